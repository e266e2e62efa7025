// DOM and language built-ins captured before any page script runs: every call the collector makes on a
// page object goes through this table, so a page that patches prototypes cannot hide a control or lie.

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
    // Accessible names: values of embedded controls, labels of other labelable elements, generated content
    inputValue: getter(Input, 'value'),
    textAreaValue: getter(protoOf(w.HTMLTextAreaElement), 'value'),
    textAreaLabels: getter(protoOf(w.HTMLTextAreaElement), 'labels'),
    selectSelectedOptions: getter(protoOf(w.HTMLSelectElement), 'selectedOptions'),
    selectOptions: getter(protoOf(w.HTMLSelectElement), 'options'),
    selectMultiple: getter(protoOf(w.HTMLSelectElement), 'multiple'),
    selectSize: getter(protoOf(w.HTMLSelectElement), 'size'),
    selectLabels: getter(protoOf(w.HTMLSelectElement), 'labels'),
    fromCodePoint: w.String.fromCodePoint,
  });
}

const B = captureBuiltins(window);

function call(fn, self, args) {
  return apply(fn, self, args || []);
}

function now() {
  return call(B.performanceNow, B.performance);
}

const EMPTY = [];
// The document this frame shows; see followDocument in page-hooks for when it changes.
let doc = document;

function tryCall(fn, self, args, fallback) {
  try {
    return call(fn, self, args);
  } catch (e) {
    return fallback;
  }
}

// Push without Array.prototype.push or index setters the page may have planted.
function append(list, item) {
  B.defineProperty(list, list.length, {
    __proto__: null,
    value: item,
    writable: true,
    enumerable: true,
    configurable: true,
  });
  return list;
}

function toArray(list, lengthGetter, itemMethod) {
  const out = [];
  if (!list) {
    return out;
  }
  const n = call(lengthGetter, list);
  for (let i = 0; i < n; i += 1) {
    append(out, call(itemMethod, list, [i]));
  }
  return out;
}

function nodeListToArray(list) {
  return toArray(list, B.nodeListLength, B.nodeListItem);
}

