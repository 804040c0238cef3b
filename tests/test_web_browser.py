"""The page in a real headless Chromium (Selenium): type an expression and see the reading, the gradient
and the steps; an invalid input's caret; a wrong answer checked; a descent's plot; a CSV uploaded and
fitted. Each state is saved as a screenshot in tests/artifacts/web/ (CI keeps them; look at them).

Skips, saying why, where Selenium, Chromium or its driver is missing (CI installs chromium and
chromium-driver from the system's packages)."""
import shutil

import pytest
import sympy

from web_server import ARTIFACTS, running_server

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
DRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(not (CHROMIUM and DRIVER),
                                reason="needs Chromium and chromedriver (apt-get install chromium chromium-driver)")


@pytest.fixture(scope="module")
def page():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000"):
        options.add_argument(flag)
    with running_server("--time-limit", "60") as url:
        browser = webdriver.Chrome(service=webdriver.ChromeService(executable_path=DRIVER), options=options)
        try:
            browser.base_url = url
            yield browser
        finally:
            browser.quit()


def _wait(browser, css, text=None, seconds=60):
    """The first element matching ``css`` (containing ``text``) once it is there (a hang guard)."""
    wait = WebDriverWait(browser, seconds)
    if text is None:
        return wait.until(EC.visibility_of_element_located((By.CSS_SELECTOR, css)))
    wait.until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, css), text))
    return browser.find_element(By.CSS_SELECTOR, css)


def _shot(browser, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    browser.save_screenshot(str(path))
    assert path.stat().st_size > 10_000  # a rendered page, not a blank one


def _type(browser, text):
    box = browser.find_element(By.ID, "expr")
    box.clear()
    box.send_keys(text)


def _tab(browser, name):
    browser.find_element(By.ID, f"tab-{name}").click()
    return browser.find_element(By.CSS_SELECTOR, f'form[data-job="{name}"]')


def _submit(browser, tab, **fields):
    """Open ``tab``, type each field (cleared first) and press its button."""
    form = _tab(browser, tab)
    for name, text in fields.items():
        box = form.find_element(By.NAME, name)
        if box.get_attribute("type") != "file":
            box.clear()
        box.send_keys(text)
    form.find_element(By.CSS_SELECTOR, "button").click()


def test_typing_shows_the_reading_then_the_gradient_and_steps(page):
    page.get(page.base_url + "/")
    _type(page, "2xy + y^2 sinx")
    reading = _wait(page, "#reading .notes", "sin")
    assert page.find_elements(By.CSS_SELECTOR, "#reading math")
    assert "xy" in reading.text
    _shot(page, "1-reading")
    _tab(page, "derivative").find_element(By.CSS_SELECTOR, "button").click()
    _wait(page, "#result .derivative")
    steps = page.find_elements(By.CSS_SELECTOR, "#result details.step")
    assert len(steps) >= 3 and all("verified" in s.text for s in steps[:3])
    assert "∂f/∂x" in page.find_element(By.CSS_SELECTOR, "#result .gradient").text
    assert "tab=derivative" in page.current_url and "expr=" in page.current_url  # the URL holds the problem
    _shot(page, "2-gradient-and-steps")


def test_an_invalid_input_shows_the_caret(page):
    page.get(page.base_url + "/")
    _type(page, "sin(x +* 2)")
    error = _wait(page, "#reading .error", "^")
    lines = error.text.split("\n")
    assert lines[0].startswith("error:")
    assert lines[2].index("^") == lines[1].index("*")
    _shot(page, "3-invalid-input")


def test_a_wrong_answer_is_checked_and_the_term_named(page):
    page.get(page.base_url + "/?tab=check")
    _type(page, "x^2 sin(x)")
    _submit(page, "check", wrt="x", answer="2x cos(x)")
    verdict = _wait(page, "#result .check", "not correct")
    assert "product rule" in verdict.text
    _shot(page, "4-check-wrong-answer")


def test_a_descent_shows_its_plot_and_minimum(page):
    page.get(page.base_url + "/")
    _type(page, "(x-1)^2 + 10*(y-x^2)^2")
    _submit(page, "descent", at="x=-1,y=1", lr="0.01", steps="20000")
    _wait(page, "#result .descent svg")
    cells = {row.find_element(By.TAG_NAME, "th").text: row.find_element(By.TAG_NAME, "td").text
             for row in page.find_elements(By.CSS_SELECTOR, "#result table.result tr")}
    assert abs(float(cells["x"]) - 1) < 1e-4 and abs(float(cells["y"]) - 1) < 1e-4  # Rosenbrock's minimum
    _shot(page, "5-descent")


def test_an_uploaded_csv_is_fitted(page, tmp_path):
    t = sympy.symbols("t")
    rows = [(k / 10, float((2 * sympy.exp(-t / 2) + 1).subs(t, k / 10))) for k in range(40)]
    csv = tmp_path / "decay.csv"
    csv.write_text("t,y\n" + "\n".join(f"{a},{b!r}" for a, b in rows) + "\n")
    page.get(page.base_url + "/?tab=fit")
    _submit(page, "fit", model="a*exp(-b*t) + c", file=str(csv))
    _wait(page, "#result .fit table.params")
    params = {row.find_elements(By.TAG_NAME, "td")[0].text: float(row.find_elements(By.TAG_NAME, "td")[1].text)
              for row in page.find_elements(By.CSS_SELECTOR, "#result table.params tr")[1:]}
    assert params == pytest.approx({"a": 2, "b": 0.5, "c": 1}, abs=1e-6)
    _shot(page, "6-fit")


def test_the_graph_at_a_point_highlights_a_path_on_hover(page):
    from selenium.webdriver.common.action_chains import ActionChains
    page.get(page.base_url + "/?tab=graph")
    _type(page, "tanh(ln(1 + z*2x/sin(y)))")
    _submit(page, "graph", at="x=1,y=2,z=3")
    svg = _wait(page, "#result .graph svg")
    nodes = svg.find_elements(By.CSS_SELECTOR, "g.node")
    assert len(nodes) >= 6
    ActionChains(page).move_to_element(nodes[len(nodes) // 2]).perform()
    assert page.find_elements(By.CSS_SELECTOR, "#result g.edge.path")  # the edges through the node, lit
    _shot(page, "7-graph")


def test_the_calculus_tab_shows_only_the_problems_fields_and_classifies_critical_points(page):
    from selenium.webdriver.support.ui import Select
    page.get(page.base_url + "/?tab=calculus")
    _type(page, "x^3 - 3x + y^3 - 3y")
    form = _tab(page, "calculus")
    Select(form.find_element(By.NAME, "kind")).select_by_value("critical")
    assert form.find_element(By.NAME, "box").is_displayed()
    assert not form.find_element(By.NAME, "direction").is_displayed()  # a directional derivative's field
    form.find_element(By.CSS_SELECTOR, "button").click()
    table = _wait(page, "#result table.points", "saddle point")
    kinds = [row.find_elements(By.TAG_NAME, "td")[2].text
             for row in table.find_elements(By.TAG_NAME, "tr")[1:]]
    # f_xx f_yy − f_xy² = 36xy at (±1, ±1): a minimum at (1, 1), a maximum at (−1, −1), two saddles
    assert sorted(kinds) == ["local maximum", "local minimum", "saddle point", "saddle point"]
    assert "kind=critical" in page.current_url
    _shot(page, "8-calculus-critical-points")
