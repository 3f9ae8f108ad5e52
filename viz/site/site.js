/* The kg site's one script: the search box of index.html and the copy buttons of the question pages.
   Data reaches the page only as text (textContent), never as HTML; nothing is fetched: the search index
   is a script (search-index.js) that sets window.KG_SEARCH, so search works from file:// too. */
(function () {
  'use strict';

  function fold(text) {
    // Case and accents do not matter; CJK text is unchanged by this.
    return String(text).normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
  }

  function setUpSearch() {
    var box = document.getElementById('kg-search');
    var list = document.getElementById('kg-search-results');
    var status = document.getElementById('kg-search-status');
    var entries = window.KG_SEARCH;
    if (!box || !list || !Array.isArray(entries)) { return; }
    var keys = entries.map(function (e) { return fold([e.l, e.i].concat(e.n).join('\n')); });
    var limit = 50;
    function show() {
      var q = fold(box.value.trim());
      while (list.firstChild) { list.removeChild(list.firstChild); }
      if (!q) { status.textContent = ''; return; }
      var found = 0;
      for (var i = 0; i < entries.length; i++) {
        if (keys[i].indexOf(q) < 0) { continue; }
        found += 1;
        if (found > limit) { continue; }
        var li = document.createElement('li');
        var a = document.createElement('a');
        a.href = entries[i].h;
        a.textContent = entries[i].l;
        var kind = document.createElement('span');
        kind.className = 'kg-muted';
        kind.textContent = entries[i].f + ' \u00b7 ' + entries[i].i;
        li.appendChild(a);
        li.appendChild(kind);
        list.appendChild(li);
      }
      status.textContent = found === 0 ? 'Nothing matches.' :
        (found > limit ? found + ' matches; the first ' + limit + ' are shown.' :
          (found === 1 ? '1 match.' : found + ' matches.'));
    }
    box.addEventListener('input', show);
    var form = document.getElementById('kg-search-form');
    if (form) {
      form.addEventListener('submit', function (ev) {
        ev.preventDefault();
        var first = list.querySelector('a');
        if (first) { window.location.href = first.href; }
      });
    }
    show();
  }

  function setUpCopy() {
    var buttons = document.querySelectorAll('button[data-copy]');
    Array.prototype.forEach.call(buttons, function (button) {
      button.addEventListener('click', function () {
        var source = document.getElementById(button.getAttribute('data-copy'));
        if (!source) { return; }
        var text = source.textContent;
        function done() { button.textContent = 'Copied'; }
        if (navigator.clipboard && navigator.clipboard.writeText) {
          navigator.clipboard.writeText(text).then(done, function () { select(source); });
        } else {
          select(source);
        }
      });
    });
  }

  function select(element) {
    // Where the clipboard is not available (some browsers on file://): select the text for Ctrl-C.
    var range = document.createRange();
    range.selectNodeContents(element);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  }

  setUpSearch();
  setUpCopy();
  window.kgSite = { ready: true };
}());
