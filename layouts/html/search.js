// Search across all issues in the browser, with the character-bigram index that
// gazette/search.py writes to search/. The query is split into words at spaces; a notice
// matches when it holds every character pair of every word, and its text is then fetched to
// confirm each word and to show the first in context. Filters (year, gazette, section,
// issuer) narrow the candidates by the fields of search/docs.json. The portal of several
// gazettes gives data-roots, one site root each: their indexes are searched together and
// each result is labelled with its gazette.
"use strict";
(function () {
  var script = document.currentScript;
  var root = (script && script.getAttribute("data-root")) || "../";
  var roots = script && script.getAttribute("data-roots") ?
    JSON.parse(script.getAttribute("data-roots")) : [root];
  var several = roots.length > 1;
  var PAGE = 20;
  var FILTERS = ["year", "gazette", "section", "issuer"];
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

  // The words of a query, normalised, longest first, without repeats or words inside others.
  // A 文号 typed without its year (银政干发19号) splits where the number starts, so it finds
  // 银政干发〔2020〕19号.
  function wordsOf(raw) {
    var words = [];
    raw.split(/[\s\u3000]+/).map(normalize).forEach(function (w) {
      w.split(/(?<=\p{Script=Han})(?=[0-9])/u).forEach(function (part) { if (part) words.push(part); });
    });
    words.sort(function (a, b) { return b.length - a.length; });
    return words.filter(function (w, i) {
      return !words.slice(0, i).some(function (longer) { return longer.indexOf(w) >= 0; });
    });
  }

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
      cache[path] = fetch(path).then(function (r) {
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

  // Every occurrence of the normalised words in raw text, as [start, end) in the raw text.
  function locateAll(raw, words) {
    var n = normalizeWithMap(raw);
    var text = n.chars.join("");
    var spans = [];
    words.forEach(function (word) {
      var from = 0, at;
      while ((at = text.indexOf(word, from)) >= 0) {
        var first = Array.from(text.slice(0, at)).length;
        var last = first + Array.from(word).length - 1;
        var end = n.map[last];
        spans.push([n.map[first], end + String.fromCodePoint(raw.codePointAt(end)).length]);
        from = at + word.length;
      }
    });
    spans.sort(function (a, b) { return a[0] - b[0]; });
    return spans;
  }

  function highlight(raw, words) {
    var out = "", pos = 0;
    locateAll(raw, words).forEach(function (span) {
      if (span[0] < pos) return;
      out += escapeHTML(raw.slice(pos, span[0])) + "<mark>" + escapeHTML(raw.slice(span[0], span[1])) + "</mark>";
      pos = span[1];
    });
    return out + escapeHTML(raw.slice(pos));
  }

  // The first occurrence of the words in the body, in context. The text starts with the title
  // and the 文号, which the result already shows; a snippet starts at a line or after a stop,
  // never in the middle of a 文号.
  function snippet(text, words, doc) {
    var skip = 0;
    [doc.title, doc.doc_number].forEach(function (line) {
      if (line && text.indexOf(line + "\n", skip) === skip) skip += line.length + 1;
    });
    var spans = locateAll(text.slice(skip), words);
    var offset = skip;
    if (!spans.length) { spans = locateAll(text, words); offset = 0; }
    if (!spans.length) return "";
    var at = spans[0][0] + offset;
    var lineStart = text.lastIndexOf("\n", at - 1) + 1;
    var start = Math.max(lineStart, at - 40);
    if (start > lineStart) {
      var stop = text.slice(start, at).search(/[，。；：、]/);
      if (stop >= 0) start += stop + 1;
    }
    var end = Math.min(text.length, at + 80);
    var piece = text.slice(start, end).replace(/\s+/g, " ");
    return (start > 0 ? "…" : "") + highlight(piece, words) + (end < text.length ? "…" : "");
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

  function formatDate(iso) {
    var p = iso.split("-");
    return +p[0] + "年" + +p[1] + "月" + +p[2] + "日";
  }

  function render(words, results, shown) {
    list.innerHTML = "";
    var hl = words.length ? "?hl=" + encodeURIComponent(words.join(" ")) : "";
    results.slice(0, shown).forEach(function (r) {
      var li = document.createElement("li");
      li.className = "search-result";
      var meta = [r.doc.doc_number, r.doc.date ? formatDate(r.doc.date) : "", r.doc.issue,
                  r.doc.section].filter(Boolean).join(" · ");
      li.innerHTML = (several ? '<p class="result-gazette ui">' + escapeHTML(r.doc.gazette) + "</p>" : "") +
        '<a class="result-title song" href="' +
        escapeHTML(r.root + encodeURI(r.doc.path) + hl) + '">' + highlight(r.doc.title, words) + "</a>" +
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
      button.addEventListener("click", function () { show(words, results, shown + PAGE); });
      more.appendChild(button);
      list.appendChild(more);
    }
  }

  function show(words, results, shown) {
    var pending = results.slice(0, shown).filter(function (r) { return r.snippet === undefined; });
    return Promise.all(pending.map(function (r) {
      if (!words.length) { r.snippet = ""; return null; }
      return fetchJSON(r.root + "search/t/" + r.id + ".txt").then(function (text) {
        // A notice can hold every pair of a word without the word itself: drop it.
        var norm = normalize(text);
        var all = words.every(function (w) { return norm.indexOf(w) >= 0; });
        r.snippet = all ? snippet(text, words, r.doc) : null;
      }, function () { r.snippet = ""; });
    })).then(function () {
      var confirmed = results.filter(function (r) { return r.snippet !== null; });
      status.textContent = confirmed.length ? "找到 " + confirmed.length + " 篇公文"
        : "没有找到" + (words.length ? "包含“" + input.value.trim() + "”" : "符合条件") + "的公文。";
      render(words, confirmed, shown);
    });
  }

  function filterValues() {
    var values = {};
    FILTERS.forEach(function (name) {
      var select = document.getElementById("f-" + name);
      if (select && select.value) values[name] = select.value;
    });
    return values;
  }

  function passes(doc, filters) {
    if (filters.year && String(doc.year) !== filters.year) return false;
    if (filters.gazette && doc.gazette !== filters.gazette) return false;
    if (filters.section && doc.section !== filters.section) return false;
    if (filters.issuer && (doc.issuers || []).indexOf(filters.issuer) < 0) return false;
    return true;
  }

  function score(doc, words, count) {
    var number = doc.doc_number ? normalize(doc.doc_number) : "";
    var title = normalize(doc.title);
    var inAll = function (field) { return words.every(function (w) { return field.indexOf(w) >= 0; }); };
    if (number && inAll(number)) return 1e6 + count;
    if (inAll(number + title)) return 1e5 + count;
    return count;
  }

  function search(raw) {
    var words = wordsOf(raw);
    var filters = filterValues();
    list.innerHTML = "";
    if (!words.length && !Object.keys(filters).length) {
      status.textContent = raw.trim() ? "请输入汉字、字母或数字。" : "";
      return Promise.resolve();
    }
    status.textContent = "正在搜索……";
    var keys = [];
    words.forEach(function (w) { keysOf(w).forEach(function (k) { if (keys.indexOf(k) < 0) keys.push(k); }); });
    return loadIndexes().then(function (indexes) {
      return Promise.all(indexes.map(function (index, site) {
        return searchOne(roots[site], index, keys, filters, words);
      }));
    }).then(function (perSite) {
      var results = [].concat.apply([], perSite);
      results.sort(function (a, b) {
        return b.score - a.score || (b.doc.date || "").localeCompare(a.doc.date || "") ||
          a.root.localeCompare(b.root) || a.id - b.id;
      });
      return show(words, results, PAGE);
    }).catch(function () {
      status.textContent = "搜索索引加载失败，请稍后重试。";
    });
  }

  // The candidates of one site's index: notices holding every key and passing the filters.
  function searchOne(site, index, keys, filters, words) {
    var shards = keys.map(function (k) { return site + "search/g/" + shardOf(k, index.shards) + ".json"; });
    return Promise.all(shards.map(fetchJSON)).then(function (loaded) {
      var found;
      if (keys.length) {
        found = intersect(keys.map(function (k, i) { return loaded[i][k] || []; }));
      } else {
        found = {};
        index.docs.forEach(function (d, i) { found[i] = 0; });
      }
      return Object.keys(found).filter(function (id) {
        return passes(index.docs[id], filters);
      }).map(function (id) {
        var doc = index.docs[id];
        return { root: site, id: +id, doc: doc, score: score(doc, words, found[id]) };
      });
    });
  }

  function loadIndexes() {
    return Promise.all(roots.map(function (site) { return fetchJSON(site + "search/docs.json"); }));
  }

  // The filters offer the values found in the indexes, most recent year first.
  function fillFilters(indexes) {
    var docs = [].concat.apply([], indexes.map(function (index) { return index.docs; }));
    FILTERS.forEach(function (name) {
      var select = document.getElementById("f-" + name);
      if (!select) return;
      var seen = [];
      docs.forEach(function (d) {
        var values = name === "issuer" ? d.issuers || [] : [d[name]];
        values.forEach(function (v) { if (v && seen.indexOf(String(v)) < 0) seen.push(String(v)); });
      });
      if (name === "year") seen.sort().reverse();
      seen.forEach(function (v) {
        var option = document.createElement("option");
        option.value = v;
        option.textContent = name === "year" ? v + "年" : v;
        select.appendChild(option);
      });
      if (seen.length < 2) select.closest(".search-filter").hidden = true;
    });
  }

  var params = new URLSearchParams(location.search);
  var q = params.get("q") || "";
  input.value = q;
  var header = document.getElementById("site-q");
  if (header) header.value = q;

  function run() {
    var query = new URLSearchParams();
    query.set("q", input.value);
    var filters = filterValues();
    Object.keys(filters).forEach(function (k) { query.set(k, filters[k]); });
    history.replaceState(null, "", "?" + query.toString());
    return search(input.value);
  }

  form.addEventListener("submit", function (event) { event.preventDefault(); run(); });
  loadIndexes().then(function (indexes) {
    fillFilters(indexes);
    FILTERS.forEach(function (name) {
      var select = document.getElementById("f-" + name);
      if (!select) return;
      if (params.get(name)) select.value = params.get(name);
      select.addEventListener("change", run);
    });
    if (q || Object.keys(filterValues()).length) search(q);
  }).catch(function () { status.textContent = "搜索索引加载失败，请稍后重试。"; });
})();
