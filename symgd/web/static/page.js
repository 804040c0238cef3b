// symgd's page: live reading of the input, one form per job, results as server-rendered fragments
// (MathML and SVG), the problem kept in the URL, exports downloaded from the JSON API's write-ups.
"use strict";
const FORMATS = {steps: ["markdown", "latex", "json"], graph: ["markdown", "json"], check: ["markdown", "json"],
                 solve: ["markdown", "latex", "json"], fit: ["markdown", "json"], calculus: ["markdown", "latex", "json"]};
const $ = (sel, root = document) => root.querySelector(sel);
let readSeq = 0, jobSeq = 0, timer = null;

function params(form) {
  const data = new FormData(form);
  data.set("expr", $("#expr").value);
  const file = data.get("file");
  if (!file || !file.size) data.delete("file");
  return data;
}

function keepInUrl(tab, data) {
  const url = new URLSearchParams();
  url.set("tab", tab);
  for (const [k, v] of data.entries()) if (typeof v === "string" && v !== "") url.set(k, v);
  history.replaceState(null, "", "?" + url.toString());
  return url;
}

async function readInput() {
  const seq = ++readSeq, text = $("#expr").value;
  if (!text.trim()) { $("#reading").innerHTML = ""; return; }
  const response = await fetch("/fragment/read?" + new URLSearchParams({expr: text}));
  const html = await response.text();
  if (seq === readSeq) $("#reading").innerHTML = html;
}

// The calculus tab shows only the fields its chosen problem reads (each label lists its problems).
function showProblemFields(form) {
  const kind = form.elements.kind.value;
  for (const label of form.querySelectorAll("label[data-for]")) {
    const used = label.dataset.for.split(" ").includes(kind);
    label.hidden = !used;
    for (const input of label.querySelectorAll("input")) input.disabled = !used;
  }
}

function showTab(tab) {
  for (const form of document.querySelectorAll("form.job")) form.hidden = form.dataset.job !== tab;
  for (const b of document.querySelectorAll(".tabs button")) b.setAttribute("aria-selected", b.dataset.tab === tab);
  document.body.dataset.tab = tab;
}

async function runJob(form) {
  const seq = ++jobSeq, job = form.dataset.job, data = params(form);
  keepInUrl(job, data);
  const started = Date.now();
  const status = $("#status");
  status.textContent = "running…";
  status.className = "running";
  const tick = setInterval(() => { status.textContent = `running… ${((Date.now() - started) / 1000).toFixed(0)} s`; }, 1000);
  try {
    const response = await fetch("/fragment/" + job, {method: "POST", body: data});
    const html = await response.text();
    if (seq !== jobSeq) return;
    $("#result").innerHTML = html;
    status.textContent = response.ok ? "done" : "";
    status.className = response.ok ? "done" : "";
    setExports(form.dataset.export, response.ok);
    if (job === "graph") followPaths($("#result svg"));
  } catch (err) {
    status.textContent = "the server did not answer: is symgd serve still running?";
    status.className = "wrong";
  } finally { clearInterval(tick); }
}

function setExports(command, ok) {
  const box = $("#exports");
  box.hidden = !ok;
  for (const a of box.querySelectorAll("a[data-format]")) {
    a.hidden = !(FORMATS[command] || []).includes(a.dataset.format);
    a.onclick = (event) => { event.preventDefault(); download(command, a.dataset.format); };
  }
  $("#share").href = location.href;
}

async function download(command, format) {
  const form = document.querySelector(`form.job[data-export="${command}"]`);
  const response = await fetch(`/export/${command}?format=${format}`, {method: "POST", body: params(form)});
  if (!response.ok) { $("#status").textContent = await response.text(); return; }
  const blob = await response.blob();
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = `symgd-${command}.${{markdown: "md", latex: "tex", json: "json"}[format]}`;
  link.click();
}

// Hovering a node of the chain-rule graph highlights every path through it (inputs to output).
function followPaths(svg) {
  if (!svg) return;
  const edges = [...svg.querySelectorAll("g.edge")].map(g => {
    const [from, to] = g.querySelector("title").textContent.split("->");
    return {g, from, to};
  });
  const reach = (start, forward) => {
    const seen = new Set([start]), todo = [start];
    while (todo.length) {
      const n = todo.pop();
      for (const e of edges) {
        const [a, b] = forward ? [e.from, e.to] : [e.to, e.from];
        if (a === n && !seen.has(b)) { seen.add(b); todo.push(b); }
      }
    }
    return seen;
  };
  for (const node of svg.querySelectorAll("g.node")) {
    const name = node.querySelector("title").textContent;
    node.addEventListener("mouseenter", () => {
      const up = reach(name, true), down = reach(name, false);
      for (const e of edges) e.g.classList.toggle("path", (up.has(e.from) && up.has(e.to)) || (down.has(e.from) && down.has(e.to)));
      node.classList.add("path");
    });
    node.addEventListener("mouseleave", () => {
      for (const e of edges) e.g.classList.remove("path");
      node.classList.remove("path");
    });
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("#expr").addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(readInput, 250); });
  for (const b of document.querySelectorAll(".tabs button")) b.addEventListener("click", () => {
    showTab(b.dataset.tab);
    keepInUrl(b.dataset.tab, params(document.querySelector(`form[data-job="${b.dataset.tab}"]`)));
  });
  for (const form of document.querySelectorAll("form.job")) form.addEventListener("submit", (event) => {
    event.preventDefault();
    runJob(form);
  });
  const problems = document.querySelector('form[data-job="calculus"]');
  if (problems) {
    problems.elements.kind.addEventListener("change", () => showProblemFields(problems));
    showProblemFields(problems);
  }
  const query = new URLSearchParams(location.search);
  const tab = query.get("tab") || "derivative";
  showTab(tab);
  if ($("#expr").value) {
    readInput();
    const form = document.querySelector(`form[data-job="${tab}"]`);
    if (form && tab !== "fit") runJob(form);
  }
});
