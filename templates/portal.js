// Portcullis portal: progressive enhancement only. Every page works without this script; with it
// the menu folds away behind its button, the Client Type select applies on change and the Copy
// buttons write to the clipboard.
(function () {
  'use strict';
  var button = document.getElementById('menu-button');
  var nav = document.getElementById('portal-nav');
  if (button && nav) {
    nav.hidden = true;
    button.setAttribute('aria-expanded', 'false');
    button.addEventListener('click', function () {
      var open = nav.hidden;
      nav.hidden = !open;
      button.setAttribute('aria-expanded', open ? 'true' : 'false');
      if (open) {
        var first = nav.querySelector('a');
        if (first) { first.focus(); }
      }
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll('select[data-autosubmit]'), function (s) {
    s.addEventListener('change', function () { s.form.submit(); });
  });
  Array.prototype.forEach.call(document.querySelectorAll('.js-hidden'), function (e) {
    e.hidden = true;
  });
  // The + buttons: without JavaScript they send the form back to the same step; with it the typed
  // URL joins the visible list at once (the server checks every entry again at Add).
  Array.prototype.forEach.call(document.querySelectorAll('button[data-list]'), function (b) {
    b.addEventListener('click', function (event) {
      var key = b.getAttribute('data-list');
      var input = document.getElementById(key + '-new');
      var list = document.getElementById(key + '-list');
      if (!input || !list) { return; }
      event.preventDefault();
      var value = input.value.trim();
      if (value === '') { input.focus(); return; }
      var item = document.createElement('li');
      var code = document.createElement('code');
      code.textContent = value;
      var hidden = document.createElement('input');
      hidden.type = 'hidden';
      hidden.name = key;
      hidden.value = value;
      item.appendChild(code);
      item.appendChild(hidden);
      list.appendChild(item);
      input.value = '';
      input.focus();
    });
  });
  var status = document.getElementById('copy-status');
  function copied(ok) {
    if (status) { status.textContent = ok ? 'Copied to the clipboard.' : 'Select the text and copy it.'; }
  }
  function fallback(field) {
    field.focus();
    field.select();
    var ok = false;
    try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
    copied(ok);
  }
  Array.prototype.forEach.call(document.querySelectorAll('button[data-copy]'), function (b) {
    b.addEventListener('click', function () {
      var field = document.getElementById(b.getAttribute('data-copy'));
      if (!field) { return; }
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(field.value).then(function () { copied(true); },
          function () { fallback(field); });
      } else {
        fallback(field);
      }
    });
  });
}());
