// Installed with context.add_init_script(): runs in every frame before any page script.
// Everything the snapshot needs is captured here, before the page can tamper with it.
(() => {
  'use strict';

  const NAME = '__consentCrawler__';
  const VERSION = '1.0.0';

  if (Object.getOwnPropertyDescriptor(window, NAME)) {
    return;
  }

  const getDescriptor = Object.getOwnPropertyDescriptor;
  const defineProperty = Object.defineProperty;
  const freeze = Object.freeze;
  const apply = Reflect.apply;

  function method(owner, name) {
    const d = owner ? getDescriptor(owner, name) : undefined;
    return d && typeof d.value === 'function' ? d.value : undefined;
  }

  function getter(owner, name) {
    const d = owner ? getDescriptor(owner, name) : undefined;
    return d && typeof d.get === 'function' ? d.get : undefined;
  }

  function protoOf(ctor) {
    return typeof ctor === 'function' ? ctor.prototype : undefined;
  }

  // Everything snapshot.js and settle.js call on page objects goes through this table.
  function captureBuiltins(w) {
    const Doc = protoOf(w.Document);
    const Frag = protoOf(w.DocumentFragment);
    const Shadow = protoOf(w.ShadowRoot);
    const Elem = protoOf(w.Element);
    const HTMLElem = protoOf(w.HTMLElement);
    const Node = protoOf(w.Node);
    const Input = protoOf(w.HTMLInputElement);
    const Button = protoOf(w.HTMLButtonElement);
    const Label = protoOf(w.HTMLLabelElement);
    const Slot = protoOf(w.HTMLSlotElement);
    const NodeListP = protoOf(w.NodeList);
    const Collection = protoOf(w.HTMLCollection);
    const Rect = protoOf(w.DOMRectReadOnly);
    const Style = protoOf(w.CSSStyleDeclaration);
    const CharData = protoOf(w.CharacterData);
    const Evt = protoOf(w.Event);
    const Target = protoOf(w.EventTarget);
    const Perf = protoOf(w.Performance);
    const MO = protoOf(w.MutationObserver);
    const WM = protoOf(w.WeakMap);
    const WS = protoOf(w.WeakSet);
    const Str = w.String.prototype;
    const Anim = protoOf(w.Animation);
    const AnimEffect = protoOf(w.AnimationEffect);
    return freeze({
      __proto__: null,
      apply: w.Reflect.apply,
      defineProperty: w.Reflect.defineProperty,
      // Document / shadow root / fragment
      docQuerySelectorAll: method(Doc, 'querySelectorAll'),
      fragQuerySelectorAll: method(Frag, 'querySelectorAll'),
      docGetElementById: method(Doc, 'getElementById'),
      fragGetElementById: method(Frag, 'getElementById'),
      docElementFromPoint: method(Doc, 'elementFromPoint'),
      docCreateElement: method(Doc, 'createElement'),
      docGetAnimations: method(Doc, 'getAnimations'),
      animationPlayState: getter(Anim, 'playState'),
      animationEffect: getter(Anim, 'effect'),
      effectComputedTiming: method(AnimEffect, 'getComputedTiming'),
      appendChild: method(Node, 'appendChild'),
      removeChild: method(Node, 'removeChild'),
      setAttribute: method(Elem, 'setAttribute'),
      shadowElementFromPoint: method(Shadow, 'elementFromPoint'),
      docDocumentElement: getter(Doc, 'documentElement'),
      docBody: getter(Doc, 'body'),
      docReadyState: getter(Doc, 'readyState'),
      docActiveElement: getter(Doc, 'activeElement'),
      shadowHost: getter(Shadow, 'host'),
      shadowMode: getter(Shadow, 'mode'),
      // Element
      elemQuerySelectorAll: method(Elem, 'querySelectorAll'),
      getAttribute: method(Elem, 'getAttribute'),
      hasAttribute: method(Elem, 'hasAttribute'),
      closest: method(Elem, 'closest'),
      matches: method(Elem, 'matches'),
      getBoundingClientRect: method(Elem, 'getBoundingClientRect'),
      checkVisibility: method(Elem, 'checkVisibility'),
      attachShadow: method(Elem, 'attachShadow'),
      shadowRoot: getter(Elem, 'shadowRoot'),
      localName: getter(Elem, 'localName'),
      tagName: getter(Elem, 'tagName'),
      namespaceURI: getter(Elem, 'namespaceURI'),
      elemChildren: getter(Elem, 'children'),
      previousElementSibling: getter(Elem, 'previousElementSibling'),
      nextElementSibling: getter(Elem, 'nextElementSibling'),
      scrollHeight: getter(Elem, 'scrollHeight'),
      innerText: getter(HTMLElem, 'innerText'),
      // Node
      textContent: getter(Node, 'textContent'),
      parentNode: getter(Node, 'parentNode'),
      parentElement: getter(Node, 'parentElement'),
      childNodes: getter(Node, 'childNodes'),
      previousSibling: getter(Node, 'previousSibling'),
      nextSibling: getter(Node, 'nextSibling'),
      nodeType: getter(Node, 'nodeType'),
      ownerDocument: getter(Node, 'ownerDocument'),
      getRootNode: method(Node, 'getRootNode'),
      contains: method(Node, 'contains'),
      charData: getter(CharData, 'data'),
      // Form controls
      inputChecked: getter(Input, 'checked'),
      inputIndeterminate: getter(Input, 'indeterminate'),
      inputType: getter(Input, 'type'),
      inputDisabled: getter(Input, 'disabled'),
      inputRequired: getter(Input, 'required'),
      inputLabels: getter(Input, 'labels'),
      buttonLabels: getter(Button, 'labels'),
      labelControl: getter(Label, 'control'),
      slotAssignedNodes: method(Slot, 'assignedNodes'),
      // Collections, geometry, style
      nodeListLength: getter(NodeListP, 'length'),
      nodeListItem: method(NodeListP, 'item'),
      collectionLength: getter(Collection, 'length'),
      collectionItem: method(Collection, 'item'),
      rectX: getter(Rect, 'x'),
      rectY: getter(Rect, 'y'),
      rectWidth: getter(Rect, 'width'),
      rectHeight: getter(Rect, 'height'),
      getComputedStyle: w.getComputedStyle,
      getPropertyValue: method(Style, 'getPropertyValue'),
      cssEscape: w.CSS && w.CSS.escape,
      // Window
      innerWidth: getter(w, 'innerWidth'),
      innerHeight: getter(w, 'innerHeight'),
      scrollX: getter(w, 'scrollX'),
      scrollY: getter(w, 'scrollY'),
      performance: w.performance,
      performanceNow: method(Perf, 'now'),
      setTimeout: w.setTimeout,
      clearTimeout: w.clearTimeout,
      Promise: w.Promise,
      MutationObserver: w.MutationObserver,
      observe: method(MO, 'observe'),
      // Events
      composedPath: method(Evt, 'composedPath'),
      addEventListener: method(Target, 'addEventListener'),
      // Language built-ins the page could replace
      WeakMap: w.WeakMap,
      weakMapGet: method(WM, 'get'),
      weakMapSet: method(WM, 'set'),
      WeakSet: w.WeakSet,
      weakSetAdd: method(WS, 'add'),
      weakSetHas: method(WS, 'has'),
      stringSlice: method(Str, 'slice'),
      stringIndexOf: method(Str, 'indexOf'),
      stringToLowerCase: method(Str, 'toLowerCase'),
      stringCharCodeAt: method(Str, 'charCodeAt'),
      parseFloat: w.parseFloat,
      mathRound: w.Math.round,
      mathMin: w.Math.min,
      mathMax: w.Math.max,
      mathPow: w.Math.pow,
      isFinite: w.Number.isFinite,
      isArray: w.Array.isArray,
      objectKeys: w.Object.keys,
    });
  }

  const B = captureBuiltins(window);

  function call(fn, self, args) {
    return apply(fn, self, args || []);
  }

  function now() {
    return call(B.performanceNow, B.performance);
  }

  // --- Shadow roots (open and closed) -------------------------------------------------

  const roots = new B.WeakMap();

  function shadowRootOf(host) {
    try {
      return call(B.weakMapGet, roots, [host]) || null;
    } catch (e) {
      return null;
    }
  }

  // --- Trusted user actions -----------------------------------------------------------

  let touched = new B.WeakSet();

  function isElement(node) {
    try {
      return node !== null && typeof node === 'object' && call(B.nodeType, node) === 1;
    } catch (e) {
      return false;
    }
  }

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
      try {
        if (call(B.localName, node) === 'label') {
          const control = call(B.labelControl, node);
          if (control) {
            call(B.weakSetAdd, touched, [control]);
          }
        }
      } catch (e) {
        // An SVG or foreign <label>: nothing to mark.
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

  function resetTouched() {
    touched = new B.WeakSet();
  }

  // --- Mutation clock -----------------------------------------------------------------

  let lastMutation = now();
  let mutationCount = 0;

  const observer = new B.MutationObserver(() => {
    lastMutation = now();
    mutationCount += 1;
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

  // --- attachShadow wrapper -----------------------------------------------------------

  function adopt(host, root) {
    call(B.weakMapSet, roots, [host, root]);
    // Events and mutations inside closed roots never reach window-level listeners
    // with their real targets, so each root gets its own.
    listenForUserActions(root);
    observeMutations(root);
  }

  const originalAttachShadow = B.attachShadow;
  const wrappedAttachShadow = new Proxy(originalAttachShadow, {
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

  // Best effort: make the wrapper stringify like the native it replaces.
  const nativeToString = Function.prototype.toString;
  const fakeSources = new B.WeakMap();
  const wrappedToString = new Proxy(nativeToString, {
    apply(target, self, args) {
      const fake = typeof self === 'function' ? call(B.weakMapGet, fakeSources, [self]) : undefined;
      return fake !== undefined ? fake : apply(target, self, args);
    },
  });
  call(B.weakMapSet, fakeSources, [wrappedAttachShadow, call(nativeToString, originalAttachShadow)]);
  call(B.weakMapSet, fakeSources, [wrappedToString, call(nativeToString, nativeToString)]);

  function replaceMethod(owner, name, replacement) {
    const d = getDescriptor(owner, name);
    if (d) {
      defineProperty(owner, name, {
        value: replacement,
        writable: d.writable,
        enumerable: d.enumerable,
        configurable: d.configurable,
      });
    }
  }

  if (originalAttachShadow) {
    replaceMethod(Element.prototype, 'attachShadow', wrappedAttachShadow);
    replaceMethod(Function.prototype, 'toString', wrappedToString);
  }

  // --- Evidence outline ---------------------------------------------------------------
  // Drawn and removed through captured built-ins: a page that patched the DOM must not be able
  // to keep an old outline on screen for the next screenshot.

  let outlineMark = null;

  function outline(box) {
    clearOutline();
    const root = call(B.docDocumentElement, document);
    if (!root) {
      return;
    }
    const mark = call(B.docCreateElement, document, ['div']);
    const px = (n) => (+n || 0) + 'px';
    call(B.setAttribute, mark, [
      'style',
      'position:absolute !important;left:' + px(box.x - 4) + ';top:' + px(box.y - 4) +
        ';width:' + px(box.width + 8) + ';height:' + px(box.height + 8) +
        ';outline:3px solid #d00 !important;box-shadow:0 0 0 9999px rgba(0,0,0,0.08);' +
        'z-index:2147483647 !important;pointer-events:none;margin:0;padding:0;border:0;' +
        'display:block !important;visibility:visible !important;opacity:1 !important',
    ]);
    call(B.appendChild, root, [mark]);
    outlineMark = mark;
  }

  function clearOutline() {
    const mark = outlineMark;
    outlineMark = null;
    const parent = mark ? call(B.parentNode, mark) : null;
    if (parent) {
      call(B.removeChild, parent, [mark]);
    }
  }

  listenForUserActions(window);
  // The Document node is observable even before documentElement exists.
  observeMutations(document);

  const api = freeze({
    __proto__: null,
    version: VERSION,
    builtins: B,
    shadowRootOf,
    wasTouched,
    resetTouched,
    outline,
    clearOutline,
    lastMutation: () => lastMutation,
    mutationCount: () => mutationCount,
    now,
  });

  defineProperty(window, NAME, {
    value: api,
    enumerable: false,
    writable: false,
    configurable: false,
  });
})();
