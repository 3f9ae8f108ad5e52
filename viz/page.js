/* The kg graph page: draws the visual spec (the JSON in #kg-data) with vis-network.
 *
 * Every string of the spec comes from the data and is shown as text: labels are drawn on the canvas,
 * tooltips and panels are built with textContent, and no string of the data is ever parsed as HTML.
 * window.kgViz exposes the network and its data sets (the browser tests read them).
 */
(function () {
  "use strict";

  /* The node and edge lists come as columns over one table of strings (kg/viz/page.py: pack). */
  function unpack(packed) {
    var strings = packed.strings, spec = {};
    Object.keys(packed).forEach(function (k) {
      if (k !== "nodes" && k !== "edges" && k !== "strings" && k !== "packed") { spec[k] = packed[k]; }
    });
    ["nodes", "edges"].forEach(function (name) {
      var table = packed[name], rows = [];
      for (var i = 0; i < table.n; i++) { rows.push({}); }
      Object.keys(table.cols).forEach(function (key) {
        var col = table.cols[key], sep = col.s;
        col.v.forEach(function (v, i) {
          if (sep === undefined) { rows[i][key] = v; }
          else if (sep === "") { rows[i][key] = strings[v]; }
          else { rows[i][key] = v.map(function (j) { return strings[j]; }).join(sep); }
        });
      });
      spec[name] = rows;
    });
    return spec;
  }

  var spec = unpack(JSON.parse(document.getElementById("kg-data").textContent));
  var state = { ready: false, spec: spec, started: performance.now() };
  window.kgViz = state;

  var LARGE = spec.nodes.length > 1500 || spec.edges.length > 3000;

  function $(id) { return document.getElementById(id); }

  function make(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (className) { node.className = className; }
    return node;
  }

  /* An http(s) address as a link (built with DOM APIs, opened in a new tab without access to this page),
   * or null for anything else. */
  function weblink(address, text) {
    var url;
    try { url = new URL(address); } catch (e) { return null; }
    if (url.protocol !== "http:" && url.protocol !== "https:") { return null; }
    var a = make("a", text);
    a.href = url.href;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    return a;
  }

  /* A source line, "• label <http://...>": its label as a link to its address. */
  var SOURCE_LINE = /^\u2022 (.*) <(https?:\/\/[^\s<>]+)>$/;
  function sourceLine(line) {
    var m = SOURCE_LINE.exec(line);
    var a = m ? weblink(m[2], m[1]) : null;
    if (!a) { return make("div", line); }
    var div = make("div", "\u2022 ");
    div.appendChild(a);
    return div;
  }

  /* A tooltip: the first line in bold, one block per further line, all as text nodes; the lines under
   * "sources:" as links when they end with an http(s) address. */
  function tooltip(text) {
    var box = make("div", null, "kg-tip");
    var lines = String(text).split("\n"), sources = false;
    box.appendChild(make("strong", lines[0]));
    for (var i = 1; i < lines.length; i++) {
      if (lines[i] === "sources:") { sources = true; }
      else if (lines[i].indexOf("\u2022 ") !== 0) { sources = false; }
      box.appendChild(sources ? sourceLine(lines[i]) : make("div", lines[i]));
    }
    return box;
  }

  var SVG = "http://www.w3.org/2000/svg";
  var SHAPES = {
    dot: ["circle", { cx: 8, cy: 8, r: 6 }],
    square: ["rect", { x: 2, y: 2, width: 12, height: 12 }],
    triangle: ["polygon", { points: "8,1 15,14 1,14" }],
    triangleDown: ["polygon", { points: "1,2 15,2 8,15" }],
    diamond: ["polygon", { points: "8,1 15,8 8,15 1,8" }],
    star: ["polygon", { points: "8,1 10,6 15,6 11,9.5 12.5,15 8,11.5 3.5,15 5,9.5 1,6 6,6" }],
    hexagon: ["polygon", { points: "4,1.5 12,1.5 15.5,8 12,14.5 4,14.5 0.5,8" }]
  };

  function swatch(entry) {
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("width", "16");
    svg.setAttribute("height", "16");
    svg.setAttribute("aria-hidden", "true");
    var shape;
    if (entry.shape) {
      var def = SHAPES[entry.shape] || SHAPES.dot;
      shape = document.createElementNS(SVG, def[0]);
      Object.keys(def[1]).forEach(function (k) { shape.setAttribute(k, String(def[1][k])); });
      shape.setAttribute("fill", entry.colour);
    } else {
      shape = document.createElementNS(SVG, "line");
      shape.setAttribute("x1", "1"); shape.setAttribute("y1", "8");
      shape.setAttribute("x2", "15"); shape.setAttribute("y2", "8");
      shape.setAttribute("stroke", entry.colour);
      shape.setAttribute("stroke-width", String(Math.min(4, Math.max(1.5, entry.width))));
      if (entry.dashes) { shape.setAttribute("stroke-dasharray", "3 2"); }
    }
    svg.appendChild(shape);
    return svg;
  }

  /* --- data ------------------------------------------------------------------------------------ */

  var info = {};  /* node id -> spec node */
  var edgeInfo = {};
  var nodeItems = spec.nodes.map(function (n) {
    info[n.id] = n;
    var item = {
      id: n.id, label: n.label, shape: n.shape, size: n.size, title: tooltip(n.tooltip), font: { size: n.font },
      color: { background: n.colour, border: n.focus ? "#111111" : n.colour,
               highlight: { background: n.colour, border: "#111111" }, hover: { background: n.colour, border: "#444444" } },
      borderWidth: n.focus ? 4 : 1
    };
    if (n.x !== null && n.y !== null) { item.x = n.x; item.y = n.y; }
    return item;
  });
  var edgeItems = spec.edges.map(function (e) {
    edgeInfo[e.id] = e;
    var item = {
      id: e.id, from: e.from, to: e.to, width: e.width, dashes: e.dashes, title: tooltip(e.tooltip),
      color: { color: e.colour, highlight: "#111111", hover: "#444444", inherit: false },
      arrows: e.arrows ? { to: { enabled: true, scaleFactor: 0.5 } } : { to: { enabled: false } }
    };
    if (!LARGE && e.label) { item.label = e.label; }
    return item;
  });

  var nodes = new vis.DataSet(nodeItems);
  var edges = new vis.DataSet(edgeItems);

  /* --- filters ----------------------------------------------------------------------------------- */

  var classOn = {};
  var roleOn = {};
  var colourOn = {};
  var edition = "";
  var shown = {};
  spec.classes.forEach(function (c) { classOn[c.key] = true; });
  spec.roles.forEach(function (r) { roleOn[r.key] = true; });
  spec.colours.forEach(function (c) { colourOn[c.key] = true; });

  function nodeVisible(n) {
    return classOn[n.group] !== false && colourOn[n.colour_key] !== false &&
      (edition === "" || n.editions.indexOf(edition) >= 0);
  }
  function recompute() {
    spec.nodes.forEach(function (n) { shown[n.id] = nodeVisible(n); });
  }
  recompute();

  var nodeView = new vis.DataView(nodes, { filter: function (item) { return shown[item.id] === true; } });
  var edgeView = new vis.DataView(edges, {
    filter: function (item) {
      var e = edgeInfo[item.id];
      return roleOn[e.role] !== false && shown[e.from] === true && shown[e.to] === true &&
        (edition === "" || e.editions.indexOf(edition) >= 0);
    }
  });

  function counts() {
    $("kg-counts").textContent = "Showing " + nodeView.length.toLocaleString("en") + " of " +
      spec.nodes.length.toLocaleString("en") + " nodes and " + edgeView.length.toLocaleString("en") + " of " +
      spec.edges.length.toLocaleString("en") + " edges.";
  }

  function refilter() {
    recompute();
    nodeView.refresh();
    edgeView.refresh();
    counts();
    rearrange();
  }

  function legend(box, entries, on) {
    entries.forEach(function (entry) {
      var label = make("label");
      var box1 = document.createElement("input");
      box1.type = "checkbox";
      box1.checked = true;
      box1.setAttribute("data-key", entry.key);
      box1.addEventListener("change", function () { on[entry.key] = box1.checked; refilter(); });
      label.appendChild(box1);
      label.appendChild(swatch(entry));
      var name = make("span", entry.label, "kg-name");
      if (entry.detail) { name.appendChild(make("small", entry.detail)); }
      label.appendChild(name);
      label.appendChild(make("span", entry.count.toLocaleString("en"), "kg-count"));
      label.title = entry.key;
      box.appendChild(label);
    });
  }
  legend($("kg-classes"), spec.classes, classOn);
  legend($("kg-roles"), spec.roles, roleOn);
  if (spec.colours.length) {
    legend($("kg-colours"), spec.colours, colourOn);
    $("kg-colour-by").textContent = spec.colour_by === "country" ? "Countries" : "Communities";
    $("kg-colours-box").hidden = false;
    /* Coloured by category, a single class needs no legend of its own. */
    if (spec.classes.length <= 1) { $("kg-classes-box").hidden = true; }
  }

  /* The size legend: a circle per reference value, its area as on the graph (scaled to fit). */
  $("kg-sizes-box").hidden = !spec.sizes.length;
  if (spec.sizes.length) {
    var largest = spec.sizes[spec.sizes.length - 1].size, k = 14 / largest;
    spec.sizes.forEach(function (s) {
      var row = make("div", null, "kg-size");
      var svg = document.createElementNS(SVG, "svg");
      svg.setAttribute("width", "32"); svg.setAttribute("height", "32"); svg.setAttribute("aria-hidden", "true");
      var circle = document.createElementNS(SVG, "circle");
      circle.setAttribute("cx", "16"); circle.setAttribute("cy", "16");
      circle.setAttribute("r", String(Math.max(1.5, s.size * k)));
      circle.setAttribute("fill", "#9aa5b1");
      svg.appendChild(circle);
      row.appendChild(svg);
      row.appendChild(make("span", spec.size_by.replace(/_/g, " ") + " " + s.value.toLocaleString("en")));
      $("kg-sizes").appendChild(row);
    });
  }

  if (spec.editions.length) {
    var select = $("kg-editions");
    spec.editions.forEach(function (e) {
      var option = make("option", e.label);
      option.value = e.id;
      select.appendChild(option);
    });
    select.addEventListener("change", function () { edition = select.value; refilter(); });
    $("kg-editions-box").hidden = false;
  }

  /* --- page text --------------------------------------------------------------------------------- */

  document.title = spec.title;
  $("kg-title").textContent = spec.title;
  $("kg-size-by").textContent = spec.size_by.replace(/_/g, " ");
  spec.notes.forEach(function (note) { $("kg-notes").appendChild(make("p", note)); });
  var labels = $("kg-labels");
  if (spec.nodes.length <= 20000) {
    var every = [];
    spec.nodes.forEach(function (n) { every.push(n.label); every.push.apply(every, n.names); });
    every.sort().forEach(function (label, i, all) {
      if (i === 0 || all[i - 1] !== label) {
        var option = document.createElement("option");
        option.value = label;
        labels.appendChild(option);
      }
    });
  }

  /* --- the network ------------------------------------------------------------------------------- */

  /* Canvas labels need the same fallback fonts as the page (Chinese names). */
  var FACE = "system-ui, 'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', " +
    "'DejaVu Sans', sans-serif";
  var options = {
    autoResize: true,
    layout: { improvedLayout: false, randomSeed: 42 },
    physics: { enabled: false, solver: "forceAtlas2Based", stabilization: false },
    interaction: { hover: !LARGE, tooltipDelay: 200, hideEdgesOnDrag: LARGE, hideEdgesOnZoom: LARGE,
                   navigationButtons: false, keyboard: false, multiselect: false },
    nodes: { font: { size: 13, face: FACE, color: "#222222", strokeWidth: 3, strokeColor: "#ffffff" },
             scaling: { label: { enabled: false, drawThreshold: spec.label_threshold, maxVisible: spec.label_max } } },
    edges: { smooth: false, selectionWidth: 1.5,
             font: { size: 10, face: FACE, color: "#555555", strokeWidth: 3,
                     strokeColor: "#ffffff", align: "middle" } }
  };
  var network = new vis.Network($("kg-graph"), { nodes: nodeView, edges: edgeView }, options);
  state.network = network;
  state.nodes = nodes;
  state.edges = edges;
  state.nodeView = nodeView;
  state.edgeView = edgeView;
  counts();

  /* Labels are sized in pixels at the fitted zoom (kg/viz/legend.py): once fitted, sizes on the canvas
   * follow, so the important labels read at once and the others appear as the reader zooms in. */
  network.fit({ animation: false });
  var fitted = Math.max(network.getScale(), 1e-3);
  state.fitted = fitted;
  /* vis-network does not keep labels below maxVisible on screen: zoomed in, they are made smaller on the
   * canvas so that none is drawn larger than spec.label_max pixels. */
  var capped = -1;
  function labelSizes() {
    var scale = network.getScale(), cap = spec.label_max / scale, changed = [];
    spec.nodes.forEach(function (n) {
      var size = Math.min(n.font / fitted, cap), was = Math.min(n.font / fitted, capped);
      if (capped < 0 || Math.abs(size - was) > 1e-6 * size) { changed.push({ id: n.id, font: { size: size } }); }
    });
    capped = cap;
    if (changed.length) { nodes.update(changed); }
  }
  labelSizes();
  function fitAll() {
    network.fit({ animation: false });
    labelSizes();
  }
  var zoomTimer = null;
  network.on("zoom", function () {
    if (zoomTimer !== null) { clearTimeout(zoomTimer); }
    zoomTimer = setTimeout(function () { zoomTimer = null; labelSizes(); }, 80);
  });

  /* After a filter: lay the remaining nodes out again (a short physics run, unless the graph is large),
   * then fit them; with nothing filtered out, the positions computed in Python come back. */
  var home = {};
  spec.nodes.forEach(function (n) { if (n.x !== null && n.y !== null) { home[n.id] = [n.x, n.y]; } });
  function rearrange() {
    var all = nodeView.length === spec.nodes.length;
    state.settled = false;
    if (all || LARGE || !nodeView.length) {
      /* One update of the data set, one redraw: network.moveNode redraws once per node (632 nodes: 25 s). */
      if (all) { nodes.update(Object.keys(home).map(function (id) { return { id: id, x: home[id][0], y: home[id][1] }; })); }
      fitAll();
      state.settled = true;
      return;
    }
    pending = true;
    network.setOptions({ physics: { enabled: true, stabilization: { enabled: true, iterations: 300, fit: true } } });
    network.stabilize(300);
  }
  var pending = false;
  /* Done when the fixed number of iterations is: "stabilized" waits for the motion to stop, which on a
   * graph of many small components took a minute (632 nodes, the curated data of wave 2). */
  network.on("stabilizationIterationsDone", function () {
    if (!pending) { return; }
    pending = false;
    if (!$("kg-physics").checked) { network.setOptions({ physics: { enabled: false } }); }
    fitAll();
    state.settled = true;
  });
  state.rearrange = rearrange;

  function details(text, names) {
    var box = $("kg-details");
    box.textContent = "";
    var tip = tooltip(text);
    if (names && names.length) {
      tip.insertBefore(make("div", "also: " + names.join("; "), "kg-names"), tip.childNodes[1] || null);
    }
    box.appendChild(tip);
  }
  network.on("selectNode", function (params) {
    if (params.nodes.length) { details(info[params.nodes[0]].tooltip, info[params.nodes[0]].names); }
  });
  network.on("selectEdge", function (params) {
    if (!params.nodes.length && params.edges.length) { details(edgeInfo[params.edges[0]].tooltip); }
  });

  $("kg-physics").addEventListener("change", function () {
    network.setOptions({ physics: { enabled: $("kg-physics").checked } });
  });
  $("kg-fit").addEventListener("click", fitAll);

  /* --- search ------------------------------------------------------------------------------------ */

  function norm(s) { return String(s).normalize("NFKC").toLowerCase().replace(/\s+/g, " ").trim(); }
  var last = { query: null, index: 0 };

  /* The nodes matching a query, by any name (every language, alternative names) or id: an exact name or
   * id first, then names starting with it, then containing it; the label before the other names. */
  var names = {};
  spec.nodes.forEach(function (n) { names[n.id] = [n.label].concat(n.names).map(norm); });
  function matches(query) {
    var q = norm(query);
    if (!q) { return []; }
    var ranked = [];
    spec.nodes.forEach(function (n) {
      var id = n.id.toLowerCase(), best = -1, all = names[n.id];
      if (id === q || id.endsWith("/" + q) || id.endsWith(":" + q)) { best = 0; }
      for (var i = 0; i < all.length && best !== 0; i++) {
        var rank = all[i] === q ? 0 : all[i].indexOf(q) === 0 ? 2 : all[i].indexOf(q) >= 0 ? 4 : -1;
        if (rank >= 0) { rank += i === 0 ? 0 : 1; if (best < 0 || rank < best) { best = rank; } }
      }
      if (best >= 0) { ranked.push([best, shown[n.id] ? 0 : 1, all[0], n.id]); }
    });
    ranked.sort(function (a, b) {
      for (var i = 0; i < 4; i++) { if (a[i] !== b[i]) { return a[i] < b[i] ? -1 : 1; } }
      return 0;
    });
    return ranked.map(function (r) { return r[3]; });
  }

  function search(query) {
    var found = matches(query);
    var result = $("kg-search-result");
    if (!found.length) {
      result.textContent = "No entity matches \u201c" + query + "\u201d.";
      return null;
    }
    last.index = last.query === query ? (last.index + 1) % found.length : 0;
    last.query = query;
    var id = found[last.index];
    var n = info[id];
    if (!shown[id]) {
      result.textContent = "\u201c" + n.label + "\u201d is hidden by the filters.";
      return id;
    }
    network.selectNodes([id]);
    network.focus(id, { scale: Math.max(fitted, Math.min(1.3, 2.5 * fitted)), animation: false });
    labelSizes();
    details(n.tooltip, n.names);
    var q = norm(query), other = n.names.filter(function (x) { return norm(x).indexOf(q) >= 0; });
    var shownName = norm(n.label).indexOf(q) < 0 && other.length ? n.label + " (" + other[0] + ")" : n.label;
    result.textContent = (found.length > 1 ? (last.index + 1) + " of " + found.length + ": " : "") + shownName +
      (found.length > 1 ? " (Find again for the next)" : "");
    return id;
  }
  state.search = search;
  $("kg-search-form").addEventListener("submit", function (event) {
    event.preventDefault();
    search($("kg-search").value);
  });

  network.once("afterDrawing", function () {
    state.ready = true;
    state.drawnIn = performance.now() - state.started;
  });
})();
