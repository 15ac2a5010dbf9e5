// The page's only script, inlined: picking an item of the list (a hop, or an object of the
// cluster) lights its segments and points in the SVG and opens its steps; arrow keys step
// forward and back as Packet Tracer's simulation mode does; a path tab shows another path.
export const PAGE_JS = `
(function () {
  'use strict';
  var svg = document.querySelector('#diagram svg');
  var pane = document.getElementById('diagram');
  var status = document.getElementById('status');
  var lists = Array.prototype.slice.call(document.querySelectorAll('ol.items'));
  var tabs = Array.prototype.slice.call(document.querySelectorAll('button.path'));
  var list = lists[0];
  var cur = -1;
  function items() { return list ? Array.prototype.slice.call(list.querySelectorAll('li[data-key]')) : []; }
  function clear() {
    Array.prototype.forEach.call(svg.querySelectorAll('.on'), function (e) { e.classList.remove('on', 'reply-on'); });
    Array.prototype.forEach.call(document.querySelectorAll('li.on'), function (li) {
      li.classList.remove('on');
      li.setAttribute('aria-selected', 'false');
      var st = li.querySelector('.steps');
      if (st) st.hidden = true;
    });
    svg.classList.remove('picking');
    status.textContent = '';
  }
  function select(i) {
    var its = items();
    if (!its.length) return;
    cur = Math.max(0, Math.min(its.length - 1, i));
    clear();
    var li = its[cur];
    li.classList.add('on');
    li.setAttribute('aria-selected', 'true');
    var st = li.querySelector('.steps');
    if (st) st.hidden = false;
    svg.classList.add('picking');
    var key = li.getAttribute('data-key');
    var lit = Array.prototype.slice.call(svg.querySelectorAll('.' + key));
    var points = [];
    (li.getAttribute('data-points') || '').split(' ').forEach(function (id) {
      var e = id && document.getElementById(id);
      if (e) { points.push(e); if (li.classList.contains('reply')) e.classList.add('reply-on'); }
    });
    lit.concat(points).forEach(function (e) { e.classList.add('on'); });
    status.textContent = li.getAttribute('data-label') || '';
    li.scrollIntoView({ block: 'nearest' });
    // The machine the hop is on in the middle (not the underlay it also touches), its callouts in view.
    var focus = points.filter(function (e) { return !e.classList.contains('underlay'); });
    centre(focus.length ? focus : lit);
    Array.prototype.forEach.call(svg.querySelectorAll('.callout.' + key), function (c) { c.scrollIntoView({ block: 'nearest', inline: 'nearest' }); });
  }
  // Scrolls the diagram so the lit points' bounding box sits in the middle of the pane.
  function centre(els) {
    if (!els.length) return;
    var p = pane.getBoundingClientRect();
    var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    els.forEach(function (e) {
      var r = e.getBoundingClientRect();
      x0 = Math.min(x0, r.left); y0 = Math.min(y0, r.top); x1 = Math.max(x1, r.right); y1 = Math.max(y1, r.bottom);
    });
    pane.scrollBy((x0 + x1) / 2 - (p.left + p.width / 2), (y0 + y1) / 2 - (p.top + p.height / 2));
  }
  function showPath(n) {
    clear();
    cur = -1;
    lists.forEach(function (l, j) { l.hidden = j !== n; });
    tabs.forEach(function (t, j) { t.setAttribute('aria-pressed', String(j === n)); });
    list = lists[n];
  }
  lists.forEach(function (l) {
    l.addEventListener('click', function (ev) {
      var li = ev.target.closest('li[data-key]');
      if (li) select(items().indexOf(li));
    });
  });
  tabs.forEach(function (t, j) { t.addEventListener('click', function () { showPath(j); }); });
  document.addEventListener('keydown', function (ev) {
    if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
    var k = ev.key;
    if (k === 'ArrowRight' || k === 'ArrowDown') select(cur < 0 ? 0 : cur + 1);
    else if (k === 'ArrowLeft' || k === 'ArrowUp') select(cur < 0 ? 0 : cur - 1);
    else if (k === 'Home') select(0);
    else if (k === 'End') select(items().length - 1);
    else if (k === 'Escape') { clear(); cur = -1; }
    else if ((k === ']' || k === '[') && tabs.length) {
      var n = (lists.indexOf(list) + (k === ']' ? 1 : tabs.length - 1)) % tabs.length;
      showPath(n);
    } else return;
    ev.preventDefault();
  });
  // Zoom: "fit" scales the drawing to the pane's width; 1:1 draws a Graphviz point as a pixel.
  var w = Number(svg.getAttribute('data-width'));
  var h = Number(svg.getAttribute('data-height'));
  function zoom(scale) {
    svg.style.width = (w * scale) + 'px';
    svg.style.height = (h * scale) + 'px';
  }
  function fit() { return Math.max(0.5, (pane.clientWidth - 16) / w); }
  var zbtn = document.querySelectorAll('button.zoom');
  Array.prototype.forEach.call(zbtn, function (b) {
    b.addEventListener('click', function () { zoom(b.getAttribute('data-zoom') === 'fit' ? fit() : Number(b.getAttribute('data-zoom'))); });
  });
  zoom(Math.min(1.4, Math.max(fit(), 1)));
})();
`;
