/** The admin's one script: progressive enhancement only (every page works without it). */
export const ADMIN_JS = `'use strict';
(function () {
  function ready(fn) { if (document.readyState !== 'loading') fn(); else document.addEventListener('DOMContentLoaded', fn); }

  function changelist() {
    var toggle = document.getElementById('action-toggle');
    var boxes = Array.prototype.slice.call(document.querySelectorAll('input.action-select'));
    var counter = document.querySelector('.action-counter');
    if (!boxes.length) return;
    function update() {
      var n = boxes.filter(function (b) { return b.checked; }).length;
      if (counter) counter.textContent = n + ' of ' + boxes.length + ' selected';
      boxes.forEach(function (b) { var tr = b.closest('tr'); if (tr) tr.classList.toggle('selected', b.checked); });
      if (toggle) toggle.checked = n === boxes.length;
    }
    if (toggle) toggle.addEventListener('change', function () { boxes.forEach(function (b) { b.checked = toggle.checked; }); update(); });
    boxes.forEach(function (b) { b.addEventListener('change', update); });
    update();
  }

  function autocomplete(box) {
    var url = box.getAttribute('data-url');
    var multiple = box.getAttribute('data-multiple') === 'true';
    var pkInput = box.querySelector('.pk-input');
    var current = box.querySelector('.current');
    if (!url || !pkInput) return;
    var search = document.createElement('input');
    search.type = 'search';
    search.className = 'search';
    search.placeholder = multiple ? 'Search to add…' : 'Search…';
    search.setAttribute('aria-label', 'Search ' + (pkInput.getAttribute('aria-label') || ''));
    search.setAttribute('autocomplete', 'off');
    var list = document.createElement('ul');
    list.className = 'suggestions';
    list.setAttribute('role', 'listbox');
    list.hidden = true;
    box.appendChild(search);
    box.appendChild(list);
    var timer = null;
    function ids() { return pkInput.value.split(',').map(function (s) { return s.trim(); }).filter(Boolean); }
    function chip(id, text) {
      var span = document.createElement('span');
      span.className = 'chip';
      span.setAttribute('data-value', id);
      span.textContent = text;
      return span;
    }
    function choose(id, text) {
      if (multiple) {
        var now = ids();
        if (now.indexOf(id) < 0) { now.push(id); current.appendChild(chip(id, text)); }
        pkInput.value = now.join(',');
      } else {
        pkInput.value = id;
        current.textContent = '';
        current.appendChild(chip(id, text));
      }
      list.hidden = true;
      search.value = '';
    }
    function run() {
      var full = url + '&term=' + encodeURIComponent(search.value);
      fetch(full, { credentials: 'same-origin', headers: { accept: 'application/json' } })
        .then(function (r) { return r.ok ? r.json() : { results: [] }; })
        .then(function (data) {
          list.textContent = '';
          (data.results || []).forEach(function (item) {
            var li = document.createElement('li');
            li.setAttribute('role', 'option');
            li.textContent = item.text;
            li.addEventListener('mousedown', function (e) { e.preventDefault(); choose(item.id, item.text); });
            list.appendChild(li);
          });
          list.hidden = !list.children.length;
        });
    }
    search.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(run, 200); });
    search.addEventListener('focus', run);
    search.addEventListener('blur', function () { setTimeout(function () { list.hidden = true; }, 150); });
    search.addEventListener('keydown', function (e) {
      if (e.key === 'Enter') { e.preventDefault(); var first = list.querySelector('li'); if (first) first.dispatchEvent(new MouseEvent('mousedown')); }
      if (e.key === 'Escape') list.hidden = true;
    });
  }

  ready(function () {
    changelist();
    Array.prototype.forEach.call(document.querySelectorAll('.autocomplete[data-url]'), autocomplete);
  });
})();
`
