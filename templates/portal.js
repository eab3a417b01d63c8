// Portcullis portal: progressive enhancement only. Every page works without this script; with it
// the menu folds away behind its button, the Client Type select applies on change, the steps open
// as <dialog>s and the Copy buttons write to the clipboard.
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
  // URL joins the visible list at once (the server checks every entry again at Add). Delegated, so
  // that they also work in a step shown in the dialog.
  document.addEventListener('click', function (event) {
    var b = event.target.closest ? event.target.closest('button[data-list]') : null;
    if (!b) { return; }
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
  function copied(ok) {
    var status = document.getElementById('copy-status');
    if (status) { status.textContent = ok ? 'Copied to the clipboard.' : 'Select the text and copy it.'; }
  }
  function fallback(field) {
    field.focus();
    field.select();
    var ok = false;
    try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
    copied(ok);
  }
  document.addEventListener('click', function (event) {
    var b = event.target.closest ? event.target.closest('button[data-copy]') : null;
    if (!b) { return; }
    var field = document.getElementById(b.getAttribute('data-copy'));
    if (!field) { return; }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(field.value).then(function () { copied(true); },
        function () { fallback(field); });
    } else {
      fallback(field);
    }
  });

  // The steps (Add Client, Add Secret, Edit, Delete, Add User, Add Role) open in one modal
  // <dialog> instead of a new page: the step page is fetched and its [data-step] content shown;
  // the dialog's forms are sent with fetch. A redirect (to a list) navigates there; any other
  // step page (the next step, a validation error, the result) replaces the dialog's content.
  // Anything unexpected falls back to the plain pages.
  if (typeof HTMLDialogElement !== 'function' || !window.fetch || !window.DOMParser) { return; }
  var dialog = null;
  var changed = false;
  var leaving = false;
  function stepDialog() {
    if (dialog) { return dialog; }
    dialog = document.createElement('dialog');
    dialog.className = 'step-dialog';
    dialog.setAttribute('aria-labelledby', 'step-dialog-title');
    dialog.addEventListener('close', function () {
      dialog.textContent = '';
      if (changed && !leaving) { leaving = true; window.location.reload(); }
    });
    dialog.addEventListener('submit', onDialogSubmit);
    dialog.addEventListener('click', onDialogClick);
    document.body.appendChild(dialog);
    return dialog;
  }
  function go(url) {
    leaving = true;
    if (dialog && dialog.open) { dialog.close(); }
    window.location.assign(url);
  }
  function parse(text) { return new DOMParser().parseFromString(text, 'text/html'); }
  // Shows the step of `doc` in the dialog; false when `doc` is no step page.
  function show(doc) {
    var step = doc.querySelector('[data-step]');
    if (!step) { return false; }
    var d = stepDialog();
    changed = changed || step.getAttribute('data-step') === 'result';
    d.textContent = '';
    d.appendChild(document.importNode(step, true));
    var heading = d.querySelector('h1, h2');
    if (heading) { heading.id = 'step-dialog-title'; }
    Array.prototype.forEach.call(d.querySelectorAll('.js-hidden'), function (e) { e.hidden = true; });
    if (!d.open) { d.showModal(); }
    var first = d.querySelector('[aria-invalid="true"]') ||
      d.querySelector('input:not([type=hidden]):not([readonly]), select, textarea, button');
    if (first) { first.focus(); }
    return true;
  }
  function formUrl(form) {
    var url = new URL(form.getAttribute('action') || window.location.href, window.location.href);
    url.search = new URLSearchParams(new FormData(form)).toString();
    return url.href;
  }
  function replacePage(text) {
    document.open();
    document.write(text);
    document.close();
  }
  // Opening a step from a list page.
  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute('data-step-open')) { return; }
    event.preventDefault();
    var url = formUrl(form);
    fetch(url, { credentials: 'same-origin' }).then(function (res) {
      return res.text().then(function (text) {
        if (res.redirected || !show(parse(text))) { go(res.url || url); }
      });
    }).catch(function () { go(url); });
  });
  function onDialogSubmit(event) {
    var form = event.target;
    event.preventDefault();
    if ((form.getAttribute('method') || 'get').toLowerCase() !== 'post') {
      // Close: back to the list, which shows what was added.
      go(formUrl(form));
      return;
    }
    var data = new URLSearchParams(new FormData(form));
    var submitter = event.submitter;
    if (submitter && submitter.name) { data.append(submitter.name, submitter.value); }
    Array.prototype.forEach.call(form.querySelectorAll('button[type=submit], button:not([type])'),
      function (b) { b.disabled = true; });
    // getAttribute: `form.action` would be the controls named "action" (the step buttons).
    var action = new URL(form.getAttribute('action') || window.location.href, window.location.href);
    fetch(action.href, { method: 'POST', body: data, credentials: 'same-origin' })
      .then(function (res) {
        if (res.redirected) { go(res.url); return null; }
        return res.text().then(function (text) {
          if (!show(parse(text))) { leaving = true; replacePage(text); }
        });
      }).catch(function () {
        // Not sent: the plain form does it again without the dialog.
        leaving = true;
        form.submit();
      });
  }
  function onDialogClick(event) {
    // Cancel (a link back to the list) closes the dialog.
    var link = event.target.closest ? event.target.closest('a[href]') : null;
    if (link && dialog.contains(link)) {
      event.preventDefault();
      dialog.close();
    }
  }
}());
