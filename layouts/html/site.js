// Every page of the web edition: the 字号 control (大/中/小, kept in localStorage; the head
// applies the stored size before the first paint) and, on a notice opened from a search
// result (…/?hl=词语 词语), the searched words marked in the notice.
"use strict";
(function () {
  var KEY = "gazette-text-size";
  var control = document.querySelector(".text-size");
  if (control) {
    var buttons = control.querySelectorAll("button[data-size]");
    var show = function (size) {
      if (size === "medium") delete document.documentElement.dataset.size;
      else document.documentElement.dataset.size = size;
      buttons.forEach(function (b) {
        b.setAttribute("aria-pressed", String(b.dataset.size === size));
      });
    };
    var stored = null;
    try { stored = localStorage.getItem(KEY); } catch (e) { stored = null; }
    show(stored || "medium");
    buttons.forEach(function (b) {
      b.addEventListener("click", function () {
        show(b.dataset.size);
        try { localStorage.setItem(KEY, b.dataset.size); } catch (e) { /* private mode */ }
      });
    });
  }

  var words = (new URLSearchParams(location.search).get("hl") || "").split(/\s+/).filter(Boolean);
  var article = document.querySelector("article.notice");
  if (!words.length || !article) return;
  var walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT);
  var nodes = [];
  while (walker.nextNode()) nodes.push(walker.currentNode);
  var first = null;
  nodes.forEach(function (node) {
    var text = node.nodeValue, lower = text.toLowerCase(), hits = [];
    words.forEach(function (w) {
      var at = -1;
      while ((at = lower.indexOf(w.toLowerCase(), at + 1)) >= 0) hits.push([at, at + w.length]);
    });
    if (!hits.length) return;
    hits.sort(function (a, b) { return a[0] - b[0]; });
    var fragment = document.createDocumentFragment(), pos = 0;
    hits.forEach(function (h) {
      if (h[0] < pos) return;
      fragment.appendChild(document.createTextNode(text.slice(pos, h[0])));
      var mark = document.createElement("mark");
      mark.className = "hl";
      mark.textContent = text.slice(h[0], h[1]);
      fragment.appendChild(mark);
      if (!first) first = mark;
      pos = h[1];
    });
    fragment.appendChild(document.createTextNode(text.slice(pos)));
    node.parentNode.replaceChild(fragment, node);
  });
  if (first && !location.hash) first.scrollIntoView({ block: "center" });
})();
