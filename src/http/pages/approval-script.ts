import { createHash } from 'node:crypto'

/**
 * The PC approval page's one script, served by the sandbox as a file (CSP `script-src 'self'`, no
 * inline script or handler). It only enhances: every screen it changes works without it, through
 * links, form posts and a `<noscript>` reload through `/checkout/{id}/wait`.
 *
 * - 카톡결제: 결제요청 is `disabled` until both fields are valid; a non-digit turns "숫자만 입력" red.
 * - The countdown runs every second from the time left on the sandbox clock, and is set again by
 *   each status the sandbox sends (a clock move); at zero the page shows the timeout (`/wait`).
 * - It follows the payment on `GET /checkout/{id}/status` (Server-Sent Events, or the JSON once a
 *   second where a stream cannot be had): once decided, on to the returnUrl; a timeout, `/wait`.
 * - 확인 before the consumer decided shows "결제가 진행 중이에요" in place; × asks before it cancels.
 */
export const APPROVAL_SCRIPT = `'use strict';
(function () {
  var main = document.querySelector('main[data-status]');
  if (!main) return;
  document.documentElement.className += ' js';
  var statusUrl = main.getAttribute('data-status');
  var waitUrl = main.getAttribute('data-wait');
  var countdown = document.getElementById('countdown');
  var deadline = Date.now() + Number(main.getAttribute('data-remaining-ms'));
  var source = null;
  var poller = null;
  var left = false;

  function two(n) { return (n < 10 ? '0' : '') + n; }

  /** Leaves the page: to the returnUrl once decided, else to /wait (the timeout, or the outcome). */
  function leave(to) {
    if (left) return;
    stop();
    location.replace(typeof to === 'string' && /^https?:\\/\\//i.test(to) ? to : waitUrl);
  }

  /** Once the page is going elsewhere by itself (a form post, a link), it stops following. */
  function stop() {
    left = true;
    if (source) source.close();
    if (poller) clearInterval(poller);
  }
  document.addEventListener('submit', function (e) { if (!e.defaultPrevented) stop(); });
  window.addEventListener('pagehide', stop);

  function draw() {
    var s = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
    if (countdown) countdown.textContent = two(Math.floor(s / 60)) + ':' + two(s % 60);
    if (s === 0) {
      if (countdown) countdown.className = 'over';
      leave(null);
    }
  }

  function apply(status) {
    if (!status || typeof status !== 'object') return;
    if (status.pending) {
      deadline = Date.now() + Number(status.remainingMs);
      draw();
    } else leave(status.redirect);
  }

  function fetchStatus(then, failed) {
    var xhr = new XMLHttpRequest();
    xhr.open('GET', statusUrl);
    xhr.setRequestHeader('accept', 'application/json');
    xhr.onload = function () {
      if (xhr.status !== 200) return failed && failed();
      try { then(JSON.parse(xhr.responseText)); } catch (e) { if (failed) failed(); }
    };
    xhr.onerror = function () { if (failed) failed(); };
    xhr.send();
  }

  function poll() {
    if (poller || left) return;
    poller = setInterval(function () { fetchStatus(apply); }, 1000);
  }

  if (window.EventSource) {
    source = new EventSource(statusUrl);
    source.addEventListener('status', function (e) {
      try { apply(JSON.parse(e.data)); } catch (err) { /* a broken frame: the next one counts */ }
    });
    source.onerror = function () {
      // EventSource retries by itself; a refused stream (closed for good) turns into polling.
      if (source && source.readyState === 2) { source = null; poll(); }
    };
  } else poll();
  setInterval(draw, 250);
  draw();

  /** Shows the dialog of a <template> in place; its 취소 or 확인 link closes it. */
  var open = null;
  function dialog(id) {
    var template = document.getElementById(id);
    if (!template || open) return false;
    open = template.content.firstElementChild.cloneNode(true);
    document.body.appendChild(open);
    // Focus on the choice that changes nothing (취소, or the busy dialog's 확인): Enter never cancels by surprise.
    var focus = open.querySelector('[data-dismiss]');
    if (focus) focus.focus();
    return true;
  }
  function dismiss() {
    if (open && open.parentNode) open.parentNode.removeChild(open);
    open = null;
  }
  document.addEventListener('click', function (e) {
    var target = e.target && e.target.closest ? e.target : null;
    if (!target) return;
    if (open && target.closest('[data-dismiss]') && open.contains(target)) {
      e.preventDefault();
      dismiss();
    } else if (target.closest('a.x') && dialog('close-dialog')) e.preventDefault();
  });
  document.addEventListener('keydown', function (e) {
    if (open && (e.key === 'Escape' || e.key === 'Esc')) dismiss();
  });

  // 확인 on the waiting screen: still undecided, the dialog; decided, on to the shop.
  var done = document.querySelector('form.done');
  if (done) {
    done.addEventListener('submit', function (e) {
      e.preventDefault();
      fetchStatus(
        function (status) { if (status.pending) dialog('busy-dialog'); else leave(status.redirect); },
        function () { stop(); done.submit(); }
      );
    });
  }

  // 카톡결제: the request waits for both fields.
  var talk = document.querySelector('form.talk');
  if (talk) {
    var button = talk.querySelector('button[type="submit"]');
    var fields = [
      [talk.querySelector('input[name="phone"]'), /^0\\d{9,10}$/],
      [talk.querySelector('input[name="birth"]'), /^\\d{6}$/]
    ];
    // A field's hint changes as it is typed in; at load it keeps what the server said (a 400's reason).
    var check = function (changed) {
      var ok = true;
      for (var i = 0; i < fields.length; i++) {
        var input = fields[i][0];
        if (!input) continue;
        if (!fields[i][1].test(input.value)) ok = false;
        if (input !== changed) continue;
        var hint = input.parentNode.querySelector('.hint');
        var digits = /^\\d*$/.test(input.value);
        if (hint) {
          hint.textContent = '숫자만 입력';
          hint.className = digits ? 'hint' : 'hint error';
        }
        if (digits) input.removeAttribute('aria-invalid');
        else input.setAttribute('aria-invalid', 'true');
      }
      button.disabled = !ok;
    };
    talk.addEventListener('input', function (e) { check(e.target); });
    check(null);
  }
})();
`

/** The script's address: the hash of its text names the version, so it can be cached for good. */
export const APPROVAL_SCRIPT_VERSION = createHash('sha256').update(APPROVAL_SCRIPT).digest('hex').slice(0, 12)
export const APPROVAL_SCRIPT_PATH = '/checkout/assets/approval.js'
export const APPROVAL_SCRIPT_SRC = `${APPROVAL_SCRIPT_PATH}?v=${APPROVAL_SCRIPT_VERSION}`
