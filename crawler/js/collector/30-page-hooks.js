// What has to be in place before page code runs: closed shadow roots kept, trusted user actions
// recorded, a mutation clock for settling, and a record of pages probing for automation.

// ---------------------------------------------------------------- shadow roots (open and closed)

const roots = new B.WeakMap();

function knownShadowRoot(host) {
  try {
    return call(B.weakMapGet, roots, [host]) || null;
  } catch (e) {
    return null;
  }
}

// ---------------------------------------------------------------- trusted user actions

let touched = new B.WeakSet();

const INTERACTIVE_TAGS = {
  __proto__: null,
  a: true,
  button: true,
  input: true,
  select: true,
  textarea: true,
  summary: true,
};
const INTERACTIVE_ROLES = {
  __proto__: null,
  button: true,
  link: true,
  checkbox: true,
  switch: true,
  radio: true,
  menuitem: true,
  menuitemcheckbox: true,
  menuitemradio: true,
  option: true,
  tab: true,
  combobox: true,
  slider: true,
  spinbutton: true,
  textbox: true,
  searchbox: true,
  treeitem: true,
};

function isInteractive(el) {
  if (INTERACTIVE_ROLES[firstRole(el)]) {
    return true;
  }
  const name = htmlName(el);
  if (name === 'a') {
    return tryCall(B.hasAttribute, el, ['href'], false);
  }
  if (name === 'input') {
    return tryCall(B.inputType, el, EMPTY, '') !== 'hidden';
  }
  return !!INTERACTIVE_TAGS[name];
}

// A person acts on a control by pressing the control itself, its label's own text, or the stand-in
// drawn for it. The walk up from the event's target stops at the first interactive element, so a
// "Continue" button that happens to sit inside <label for=consent> touches the button, not the box.
function markPath(event) {
  // Synthetic events (el.click(), dispatchEvent) are never a person's action.
  if (!event || event.isTrusted !== true) {
    return;
  }
  let path;
  try {
    path = call(B.composedPath, event);
  } catch (e) {
    return;
  }
  const length = path.length;
  for (let i = 0; i < length; i += 1) {
    const node = path[i];
    if (!isElement(node)) {
      continue;
    }
    call(B.weakSetAdd, touched, [node]);
    if (htmlName(node) === 'label') {
      const control = tryCall(B.labelControl, node, EMPTY, null);
      if (control) {
        call(B.weakSetAdd, touched, [control]);
      }
    }
    if (isInteractive(node)) {
      return;
    }
  }
}

const USER_EVENTS = ['pointerdown', 'mousedown', 'click', 'keydown', 'touchstart'];
const LISTEN = freeze({ __proto__: null, capture: true, passive: true });

function listenForUserActions(target) {
  for (let i = 0; i < USER_EVENTS.length; i += 1) {
    call(B.addEventListener, target, [USER_EVENTS[i], markPath, LISTEN]);
  }
}

function wasTouched(element) {
  try {
    return call(B.weakSetHas, touched, [element]);
  } catch (e) {
    return false;
  }
}

function forgetTouched() {
  touched = new B.WeakSet();
}

// ---------------------------------------------------------------- mutation clock

let lastMutation = now();

const observer = new B.MutationObserver(() => {
  lastMutation = now();
});
const OBSERVE = freeze({
  __proto__: null,
  subtree: true,
  childList: true,
  attributes: true,
  characterData: true,
});

function observeMutations(node) {
  try {
    call(B.observe, observer, [node, OBSERVE]);
  } catch (e) {
    // Nothing to observe yet; the document itself is always observable.
  }
}

// A javascript: URL iframe replaces its initial about:blank document but keeps the window, so this script
// does not run again: observe and walk the document the frame shows now, not the one it started with.
function followDocument() {
  if (doc !== document) {
    doc = document;
    observeMutations(doc);
  }
}

// ---------------------------------------------------------------- wrapping page built-ins

// Wrappers stringify like the natives they replace, so a page checking for patched built-ins sees none.
const nativeToString = Function.prototype.toString;
const fakeSources = new B.WeakMap();
const wrappedToString = new Proxy(nativeToString, {
  apply(target, self, args) {
    const fake = typeof self === 'function' ? call(B.weakMapGet, fakeSources, [self]) : undefined;
    return fake !== undefined ? fake : apply(target, self, args);
  },
});
call(B.weakMapSet, fakeSources, [wrappedToString, call(nativeToString, nativeToString)]);

function disguise(wrapper, original) {
  call(B.weakMapSet, fakeSources, [wrapper, call(nativeToString, original)]);
  return wrapper;
}

function replaceProperty(owner, name, change) {
  const d = owner ? getDescriptor(owner, name) : undefined;
  if (d && d.configurable) {
    defineProperty(owner, name, change(d));
  }
}

function adopt(host, root) {
  call(B.weakMapSet, roots, [host, root]);
  // Events and mutations inside closed roots never reach window-level listeners
  // with their real targets, so each root gets its own.
  listenForUserActions(root);
  observeMutations(root);
}

if (B.attachShadow) {
  const wrappedAttachShadow = new Proxy(B.attachShadow, {
    apply(target, self, args) {
      const root = apply(target, self, args);
      try {
        adopt(self, root);
      } catch (e) {
        // Never break the page's component because our bookkeeping failed.
      }
      return root;
    },
  });
  disguise(wrappedAttachShadow, B.attachShadow);
  replaceProperty(Element.prototype, 'attachShadow', (d) => ({ ...d, value: wrappedAttachShadow }));
  replaceProperty(Function.prototype, 'toString', (d) => ({ ...d, value: wrappedToString }));
}

// document.open(), called or implied by document.write() after load, erases every event listener of the
// document and its window, ours included: a person's tick would then never count. Listen again at once
// (adding the same listener twice is a no-op).
function relistenAfter(name) {
  const DocumentProto = protoOf(window.Document);
  const original = method(DocumentProto, name);
  if (!original) {
    return;
  }
  const wrapped = new Proxy(original, {
    apply(target, self, args) {
      try {
        return apply(target, self, args);
      } finally {
        listenForUserActions(window);
        observeMutations(document);
      }
    },
  });
  disguise(wrapped, original);
  replaceProperty(DocumentProto, name, (d) => ({ ...d, value: wrapped }));
}

relistenAfter('open');
relistenAfter('write');
relistenAfter('writeln');

// Pages that read navigator.webdriver are probing for automation; each observation reports it.
let probes = { __proto__: null };

function noteProbe(name) {
  probes[name] = true;
}

function takeProbes() {
  const seen = call(B.objectKeys, undefined, [probes]);
  probes = { __proto__: null };
  return seen;
}

const webdriverGetter = getter(protoOf(window.Navigator), 'webdriver');
if (webdriverGetter) {
  const wrappedWebdriver = new Proxy(webdriverGetter, {
    apply(target, self, args) {
      noteProbe('navigator.webdriver');
      return apply(target, self, args);
    },
  });
  disguise(wrappedWebdriver, webdriverGetter);
  replaceProperty(protoOf(window.Navigator), 'webdriver', (d) => ({ ...d, get: wrappedWebdriver }));
}

listenForUserActions(window);
// The Document node is observable even before documentElement exists.
observeMutations(document);
