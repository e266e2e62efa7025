// A selector that finds the control again, in its own frame, through shadow roots.

// ---------------------------------------------------------------- selectors

let idCounts = { __proto__: null };

function escapeIdent(s) {
  return B.cssEscape ? call(B.cssEscape, undefined, [s]) : s;
}

function uniqueIdSelector(el) {
  const id = attr(el, 'id');
  return id && idCounts[id] === 1 ? '#' + escapeIdent(id) : '';
}

// A :nth-of-type path up to the root, or up to the nearest ancestor with a unique id.
// Inside a shadow root the path starts with ":scope >" so that, chained after its host with
// ">>", it cannot also match deeper in nested roots.
function cssPath(el) {
  let path = '';
  for (let n = el, i = 0; n && i < 4096; i += 1) {
    const byId = n === el ? '' : uniqueIdSelector(n);
    if (byId) {
      return byId + ' > ' + path;
    }
    const name = localName(n);
    let index = 1;
    for (let s = tryCall(B.previousElementSibling, n, EMPTY, null); s; s = tryCall(B.previousElementSibling, s, EMPTY, null)) {
      if (localName(s) === name) {
        index += 1;
      }
    }
    const step = escapeIdent(name) + ':nth-of-type(' + index + ')';
    path = path ? step + ' > ' + path : step;
    const parent = parentNode(n);
    if (parent && nodeType(parent) === 11) {
      return ':scope > ' + path;
    }
    n = parent && nodeType(parent) === 1 ? parent : null;
  }
  return path;
}

function selectorIn(el) {
  return uniqueIdSelector(el) || cssPath(el);
}

// Playwright's css engine pierces open shadow roots, and ">>" scopes each part to the
// element matched before it.
function selectorFor(el, chain) {
  let selector = '';
  for (let i = 0; i < chain.length; i += 1) {
    selector += selectorIn(chain[i].host) + ' >> ';
  }
  return selector + selectorIn(el);
}

