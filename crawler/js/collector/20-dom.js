// Walking the DOM: light trees, open and closed shadow roots, slots, labels.

const MAX_DEPTH = 64;
const HTML_NS = 'http://www.w3.org/1999/xhtml';

// ---------------------------------------------------------------- DOM access

function nodeType(node) {
  return tryCall(B.nodeType, node, EMPTY, 0);
}

function isElement(node) {
  return node !== null && typeof node === 'object' && nodeType(node) === 1;
}

function localName(el) {
  return tryCall(B.localName, el, EMPTY, '');
}

function isHTML(el) {
  return tryCall(B.namespaceURI, el, EMPTY, null) === HTML_NS;
}

function htmlName(el) {
  return isHTML(el) ? localName(el) : '';
}

function attr(el, name) {
  const value = tryCall(B.getAttribute, el, [name], null);
  return typeof value === 'string' ? value : null;
}

function matches(el, selector) {
  return tryCall(B.matches, el, [selector], false);
}

function closest(el, selector) {
  return tryCall(B.closest, el, [selector], null);
}

function parentNode(node) {
  return tryCall(B.parentNode, node, EMPTY, null);
}

function shadowHost(root) {
  return tryCall(B.shadowHost, root, EMPTY, null);
}

// Parent in the composed tree: a shadow root's parent is its host.
function composedParent(node) {
  const parent = parentNode(node);
  if (parent && nodeType(parent) === 11) {
    return shadowHost(parent);
  }
  return parent && nodeType(parent) === 1 ? parent : null;
}

function composedContains(ancestor, node) {
  for (let n = node, i = 0; n && i < 4096; n = composedParent(n), i += 1) {
    if (n === ancestor) {
      return true;
    }
  }
  return false;
}

function rootOf(node) {
  return tryCall(B.getRootNode, node, EMPTY, doc);
}

function shadowRootOf(el) {
  const known = knownShadowRoot(el);
  return known || tryCall(B.shadowRoot, el, EMPTY, null);
}

function childNodes(node) {
  return nodeListToArray(tryCall(B.childNodes, node, EMPTY, null));
}

function querySelectorAll(root, selector) {
  const type = nodeType(root);
  const fn = type === 9 ? B.docQuerySelectorAll : type === 11 ? B.fragQuerySelectorAll : B.elemQuerySelectorAll;
  return nodeListToArray(tryCall(fn, root, [selector], null));
}

function getElementById(root, id) {
  const fn = nodeType(root) === 9 ? B.docGetElementById : B.fragGetElementById;
  return tryCall(fn, root, [id], null);
}

function textContent(node) {
  const text = tryCall(B.textContent, node, EMPTY, '');
  return typeof text === 'string' ? text : '';
}

function labelsOf(el) {
  const name = htmlName(el);
  const fn = name === 'input' ? B.inputLabels : name === 'button' ? B.buttonLabels : null;
  return fn ? nodeListToArray(tryCall(fn, el, EMPTY, null)) : [];
}

// Children in the flat tree, so text inside shadow roots and slotted content is read
// where it is rendered.
function flatChildren(node) {
  if (isElement(node)) {
    const root = shadowRootOf(node);
    if (root) {
      return childNodes(root);
    }
    if (htmlName(node) === 'slot') {
      const assigned = tryCall(B.slotAssignedNodes, node, [{ __proto__: null, flatten: true }], null);
      if (assigned && assigned.length) {
        const out = [];
        for (let i = 0; i < assigned.length; i += 1) {
          append(out, assigned[i]);
        }
        return out;
      }
    }
  }
  return childNodes(node);
}

// ---------------------------------------------------------------- style and geometry
