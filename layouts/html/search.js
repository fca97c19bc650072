// Search across all issues in the browser, with the character-bigram index that
// gazette/search.py writes to search/. A notice matches when it holds every character pair of
// the query; its text is then fetched to confirm the exact phrase and to show it in context.
"use strict";
(function () {
  var script = document.currentScript;
  var root = (script && script.getAttribute("data-root")) || "../";
  var PAGE = 20;
  var form = document.querySelector(".search-form");
  var input = document.getElementById("search-q");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var cache = {};

  // Must match gazette.search.normalize: per character NFKC, lower case, letters and digits.
  var KEEP = /[\p{L}\p{N}]/u;
  function normalizeWithMap(text) {
    var out = [], map = [];
    var chars = Array.from(text);
    var offset = 0;
    for (var i = 0; i < chars.length; i++) {
      var norm = Array.from(chars[i].normalize("NFKC").toLowerCase());
      for (var j = 0; j < norm.length; j++) {
        if (KEEP.test(norm[j])) { out.push(norm[j]); map.push(offset); }
      }
      offset += chars[i].length;
    }
    return { chars: out, map: map };
  }
  function normalize(text) { return normalizeWithMap(text).chars.join(""); }

  function keysOf(norm) {
    var chars = Array.from(norm);
    if (chars.length === 1) return [chars[0]];
    var keys = [];
    for (var i = 0; i + 1 < chars.length; i++) {
      var key = chars[i] + chars[i + 1];
      if (keys.indexOf(key) < 0) keys.push(key);
    }
    return keys;
  }

  function shardOf(key, shards) {
    var value = 0;
    for (var ch of key) value = (Math.imul(value, 31) + ch.codePointAt(0)) >>> 0;
    return value % shards;
  }

  function fetchJSON(path) {
    if (!cache[path]) {
      cache[path] = fetch(root + path).then(function (r) {
        if (!r.ok) throw new Error(path);
        return path.slice(-4) === ".txt" ? r.text() : r.json();
      });
    }
    return cache[path];
  }

  function escapeHTML(text) {
    return text.replace(/[&<>"]/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c];
    });
  }

  // The first occurrence of the normalised query in raw text, as [start, end) in the raw text.
  function locate(raw, query) {
    var n = normalizeWithMap(raw);
    var text = n.chars.join("");
    var at = text.indexOf(query);
    if (at < 0) return null;
    var first = Array.from(text.slice(0, at)).length;
    var last = first + Array.from(query).length - 1;
    var end = n.map[last];
    return [n.map[first], end + String.fromCodePoint(raw.codePointAt(end)).length];
  }

  function highlight(raw, query) {
    var span = locate(raw, query);
    if (!span) return escapeHTML(raw);
    return escapeHTML(raw.slice(0, span[0])) + "<mark>" + escapeHTML(raw.slice(span[0], span[1])) +
      "</mark>" + escapeHTML(raw.slice(span[1]));
  }

  // Prefer an occurrence in the body: the text starts with the title and the 文号, which the
  // result already shows.
  function snippet(text, query, doc) {
    var skip = 0;
    [doc.title, doc.doc_number].forEach(function (line) {
      if (line && text.indexOf(line + "\n", skip) === skip) skip += line.length + 1;
    });
    var span = locate(text.slice(skip), query);
    if (span) span = [span[0] + skip, span[1] + skip];
    else span = locate(text, query);
    if (!span) return null;
    var start = Math.max(0, span[0] - 40), end = Math.min(text.length, span[1] + 60);
    var piece = text.slice(start, end).replace(/\s+/g, " ");
    return (start > 0 ? "…" : "") + highlight(piece, query) + (end < text.length ? "…" : "");
  }

  function intersect(postings) {
    // postings: arrays [doc, count, doc, count, …]; result: doc → smallest count.
    var result = null;
    postings.forEach(function (list) {
      var here = {};
      for (var i = 0; i < list.length; i += 2) here[list[i]] = list[i + 1];
      if (result === null) { result = here; return; }
      var next = {};
      for (var doc in result) if (doc in here) next[doc] = Math.min(result[doc], here[doc]);
      result = next;
    });
    return result || {};
  }

  function render(query, results, shown) {
    list.innerHTML = "";
    results.slice(0, shown).forEach(function (r) {
      var li = document.createElement("li");
      li.className = "search-result";
      var meta = [r.doc.doc_number, r.doc.issue, r.doc.section].filter(Boolean).join(" · ");
      li.innerHTML = '<a class="result-title song" href="' + escapeHTML(root + encodeURI(r.doc.path)) +
        '">' + highlight(r.doc.title, query) + "</a>" +
        '<p class="result-meta ui">' + escapeHTML(meta) + "</p>" +
        (r.snippet ? '<p class="result-snippet">' + r.snippet + "</p>" : "");
      list.appendChild(li);
    });
    if (results.length > shown) {
      var more = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "ui more";
      button.textContent = "显示更多结果";
      button.addEventListener("click", function () { show(query, results, shown + PAGE); });
      more.appendChild(button);
      list.appendChild(more);
    }
  }

  function show(query, results, shown) {
    var pending = results.slice(0, shown).filter(function (r) { return r.snippet === undefined; });
    return Promise.all(pending.map(function (r) {
      return fetchJSON("search/t/" + r.id + ".txt").then(function (text) {
        r.snippet = snippet(text, query, r.doc);
      }, function () { r.snippet = ""; });
    })).then(function () {
      // A notice can hold every pair of the query without the phrase itself: drop it.
      var confirmed = results.filter(function (r) { return r.snippet !== null; });
      status.textContent = confirmed.length ? "找到 " + confirmed.length + " 篇公文"
        : "没有找到包含“" + input.value.trim() + "”的公文。";
      render(query, confirmed, shown);
    });
  }

  function search(raw) {
    var query = normalize(raw);
    list.innerHTML = "";
    if (!query) { status.textContent = raw.trim() ? "请输入汉字、字母或数字。" : ""; return; }
    status.textContent = "正在搜索……";
    fetchJSON("search/docs.json").then(function (index) {
      var keys = keysOf(query);
      var shards = keys.map(function (k) { return "search/g/" + shardOf(k, index.shards) + ".json"; });
      return Promise.all(shards.map(fetchJSON)).then(function (loaded) {
        var postings = keys.map(function (k, i) { return loaded[i][k] || []; });
        var found = intersect(postings);
        var results = Object.keys(found).map(function (id) {
          var doc = index.docs[id];
          var score = found[id];
          if (doc.doc_number && normalize(doc.doc_number).indexOf(query) >= 0) score += 100000;
          if (normalize(doc.title).indexOf(query) >= 0) score += 10000;
          return { id: +id, doc: doc, score: score };
        });
        results.sort(function (a, b) { return b.score - a.score || a.id - b.id; });
        return show(query, results, PAGE);
      });
    }).catch(function () {
      status.textContent = "搜索索引加载失败，请稍后重试。";
    });
  }

  var params = new URLSearchParams(location.search);
  var q = params.get("q") || "";
  input.value = q;
  var header = document.getElementById("site-q");
  if (header) header.value = q;
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var value = input.value;
    history.replaceState(null, "", "?q=" + encodeURIComponent(value));
    search(value);
  });
  if (q) search(q);
})();
