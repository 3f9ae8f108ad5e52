// The query page of kg serve. Everything from the data or the server is set with textContent (never
// parsed as HTML); the only request is the query, to this page's own /query.
(function () {
  'use strict';

  var data = JSON.parse(document.getElementById('kg-data').textContent);
  var MAX_ROWS = 10000;
  var byName = {};
  var $ = function (id) { return document.getElementById(id); };
  var state = { ready: false, running: false, runs: 0 };
  window.kgEndpoint = state;

  var namespaces = Object.keys(data.prefixes).map(function (p) { return [p, data.prefixes[p]]; })
    .sort(function (a, b) { return b[1].length - a[1].length; });

  function shorten(iri) {
    for (var i = 0; i < namespaces.length; i++) {
      var ns = namespaces[i][1];
      if (iri.indexOf(ns) === 0) {
        var local = iri.slice(ns.length);
        if (/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(local) && local.slice(-1) !== '.') {
          return namespaces[i][0] + ':' + local;
        }
      }
    }
    return '<' + iri + '>';
  }

  function element(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = text; }
    if (cls) { node.className = cls; }
    return node;
  }

  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }

  function fillCatalogue() {
    var select = $('kg-questions');
    var groups = {};
    data.questions.forEach(function (q) {
      byName[q.name] = q;
      var key = q.check ? 'quality checks (a clean graph gives no rows)' : q.topic;
      if (!groups[key]) {
        groups[key] = document.createElement('optgroup');
        groups[key].label = key;
        select.appendChild(groups[key]);
      }
      var option = element('option', q.title + ' (' + q.name + (q.params.length ? ', takes parameters' : '') + ')');
      option.value = q.name;
      groups[key].appendChild(option);
    });
  }

  function showQuestion(name) {
    var q = byName[name];
    $('kg-about').hidden = !q;
    if (!q) { return; }
    $('kg-question-text').textContent = q.question;
    var list = $('kg-param-list');
    clear(list);
    q.params.forEach(function (p) {
      list.appendChild(element('li', '$' + p.line + (p.doc ? ': ' + p.doc : '')));
    });
    $('kg-params').hidden = q.params.length === 0;
    $('kg-query').value = data.prologue + '\n' + q.sparql;
  }

  function reset() {
    $('kg-questions').value = '';
    showQuestion('');
    $('kg-query').value = data.prologue + '\n' + data.default;
  }

  function clearAnswer() {
    ['kg-error', 'kg-boolean', 'kg-table', 'kg-text'].forEach(function (id) { $(id).hidden = true; });
    clear($('kg-table').tHead);
    clear($('kg-table').tBodies[0]);
    $('kg-text').textContent = '';
    $('kg-error').textContent = '';
  }

  function cell(term) {
    var td = document.createElement('td');
    if (!term) { return td; }
    if (term.type === 'uri') {
      td.textContent = shorten(term.value);
      td.title = term.value;
      td.className = 'kg-iri';
    } else if (term.type === 'bnode') {
      td.textContent = '_:' + term.value;
    } else {
      td.textContent = term.value;
      if (term['xml:lang']) { td.appendChild(element('span', '@' + term['xml:lang'], 'kg-lang')); }
      if (term.datatype) { td.title = shorten(term.datatype); }
    }
    return td;
  }

  function showResults(json) {
    if (typeof json.boolean === 'boolean') {
      $('kg-boolean').textContent = json.boolean ? 'yes' : 'no';
      $('kg-boolean').hidden = false;
      return 'ASK: ' + (json.boolean ? 'yes' : 'no');
    }
    var vars = (json.head && json.head.vars) || [];
    var rows = (json.results && json.results.bindings) || [];
    var head = document.createElement('tr');
    vars.forEach(function (v) { head.appendChild(element('th', v)); });
    $('kg-table').tHead.appendChild(head);
    var body = $('kg-table').tBodies[0];
    rows.slice(0, MAX_ROWS).forEach(function (row) {
      var tr = document.createElement('tr');
      vars.forEach(function (v) { tr.appendChild(cell(row[v])); });
      body.appendChild(tr);
    });
    $('kg-table').hidden = false;
    var shown = rows.length > MAX_ROWS ? ' (the first ' + MAX_ROWS + ' shown)' : '';
    return rows.length + (rows.length === 1 ? ' row' : ' rows') + shown;
  }

  function showError(status, text) {
    var hint = '';
    if (/Prefix not found/.test(text)) {
      hint = 'An unknown prefix: declare it with PREFIX. Declared above: ' +
        Object.keys(data.prefixes).map(function (p) { return p + ':'; }).join(' ') + '\n\n';
    }
    $('kg-error').textContent = hint + 'The endpoint answered ' + status + ':\n' + text;
    $('kg-error').hidden = false;
  }

  function run() {
    if (state.running) { return; }
    state.running = true;
    clearAnswer();
    $('kg-status').textContent = 'Running…';
    $('kg-run').disabled = true;
    var started = Date.now();
    var done = function (message) {
      $('kg-status').textContent = message + ' (' + ((Date.now() - started) / 1000).toFixed(2) + ' s)';
      $('kg-run').disabled = false;
      state.running = false;
      state.runs += 1;
    };
    fetch(data.endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/sparql-query',
                 'Accept': 'application/sparql-results+json, text/turtle;q=0.9, text/plain;q=0.1' },
      body: $('kg-query').value,
      credentials: 'same-origin', cache: 'no-store', redirect: 'error', referrerPolicy: 'no-referrer'
    }).then(function (response) {
      return response.text().then(function (text) {
        var kind = (response.headers.get('Content-Type') || '').split(';')[0].trim();
        if (!response.ok) { showError(response.status, text); return done('Error'); }
        if (kind === 'application/sparql-results+json') { return done(showResults(JSON.parse(text))); }
        $('kg-text').textContent = text;
        $('kg-text').hidden = false;
        done(kind === 'text/turtle' ? 'Triples (Turtle)' : 'Answer (' + kind + ')');
      });
    }).catch(function (error) {
      showError('nothing', String(error && error.message ? error.message : error));
      done('Error');
    });
  }

  fillCatalogue();
  reset();
  $('kg-questions').addEventListener('change', function (e) {
    if (e.target.value) { showQuestion(e.target.value); } else { reset(); }
  });
  $('kg-run').addEventListener('click', run);
  $('kg-reset').addEventListener('click', reset);
  $('kg-query').addEventListener('keydown', function (e) {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); run(); }
  });
  state.ready = true;
}());
