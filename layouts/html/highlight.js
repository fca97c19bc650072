// On a notice page opened from a search result (…/?hl=词语 词语), mark the words in the
// notice and scroll to the first. Text only: the page's HTML is never rebuilt.
"use strict";
(function () {
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
