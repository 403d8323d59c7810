/* The console's shared pieces: the page's regions, the signed-in key, building and showing views. */
import { ApiError } from './api.js';

export const main = document.getElementById('main');
export const nav = document.getElementById('nav');
const statusBox = document.getElementById('status');
/** The signed-in key (`GET /v1/me`), and the live view's stream while it is open. */
export const state = { me: undefined, liveAbort: undefined };

/** A DOM element from a tag, attributes and children (text or nodes). */
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (v === true) node.setAttribute(k, '');
    else if (v !== false && v !== undefined && v !== null) node.setAttribute(k, v);
  }
  for (const child of children.flat()) if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  return node;
}

export function say(message) {
  statusBox.textContent = message;
  clearTimeout(say.timer);
  say.timer = setTimeout(() => (statusBox.textContent = ''), 5000);
}

export const describeError = (error) => (error instanceof ApiError ? `${error.code}: ${error.message}` : String(error.message ?? error));

// Views draw when their data has arrived, and the operator may pick another view meanwhile (or
// sign-in's dashboard may still be loading): each view takes a ticket when it begins, and only
// the latest view begun draws, so a slow answer never draws over what was picked since.
let viewsBegun = 0;

/** Begins a view that draws later: its show() draws (and answers true) only if no view began since. */
export function beginView() {
  const ticket = ++viewsBegun;
  return {
    get current() { return ticket === viewsBegun; },
    show(view, ...sections) {
      if (ticket !== viewsBegun) return false;
      draw(view, sections);
      return true;
    },
  };
}

/** Draws a view at once (it begins and draws in one step). */
export const show = (view, ...sections) => beginView().show(view, ...sections);

function draw(view, sections) {
  state.liveAbort?.abort();
  for (const button of nav.querySelectorAll('[data-view]')) {
    if (button.dataset.view === view) button.setAttribute('aria-current', 'page');
    else button.removeAttribute('aria-current');
  }
  main.replaceChildren(...sections);
  main.focus();
}

export function table(headings, rows) {
  if (rows.length === 0) return h('p', {}, 'None yet.');
  return h('table', {}, h('thead', {}, h('tr', {}, headings.map((x) => h('th', { scope: 'col' }, x)))), h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c) => h('td', {}, c instanceof Node ? c : String(c)))))));
}


export const when = (iso) => (iso ? new Date(iso).toLocaleDateString() : 'never');
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
