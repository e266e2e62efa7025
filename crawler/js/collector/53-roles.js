// ARIA roles as accname needs them: the explicit role or the HTML element's implicit one, which roles take
// their name from their content, and which are controls whose value stands in for them inside a label.

const ARIA_ROLES = {
  __proto__: null,
  alert: true, alertdialog: true, application: true, article: true, banner: true, blockquote: true,
  button: true, caption: true, cell: true, checkbox: true, code: true, columnheader: true, combobox: true,
  complementary: true, contentinfo: true, definition: true, deletion: true, dialog: true, directory: true,
  document: true, emphasis: true, feed: true, figure: true, form: true, generic: true, grid: true,
  gridcell: true, group: true, heading: true, img: true, image: true, insertion: true, link: true,
  list: true, listbox: true, listitem: true, log: true, main: true, mark: true, marquee: true, math: true,
  menu: true, menubar: true, menuitem: true, menuitemcheckbox: true, menuitemradio: true, meter: true,
  navigation: true, none: true, note: true, option: true, paragraph: true, presentation: true,
  progressbar: true, radio: true, radiogroup: true, region: true, row: true, rowgroup: true,
  rowheader: true, scrollbar: true, search: true, searchbox: true, section: true, separator: true,
  slider: true, spinbutton: true, status: true, strong: true, subscript: true, superscript: true,
  switch: true, tab: true, table: true, tablist: true, tabpanel: true, term: true, textbox: true,
  time: true, timer: true, toolbar: true, tooltip: true, tree: true, treegrid: true, treeitem: true,
};

const IMPLICIT_ROLES = {
  __proto__: null,
  article: 'article', aside: 'complementary', blockquote: 'blockquote', button: 'button',
  code: 'code', datalist: 'listbox', dd: 'definition', del: 'deletion', details: 'group',
  dialog: 'dialog', dt: 'term', em: 'emphasis', fieldset: 'group', figure: 'figure', form: 'form',
  h1: 'heading', h2: 'heading', h3: 'heading', h4: 'heading', h5: 'heading', h6: 'heading',
  hr: 'separator', ins: 'insertion', li: 'listitem', main: 'main', mark: 'mark', math: 'math',
  menu: 'list', meter: 'meter', nav: 'navigation', ol: 'list', optgroup: 'group', option: 'option',
  output: 'status', p: 'paragraph', progress: 'progressbar', search: 'search', strong: 'strong',
  sub: 'subscript', sup: 'superscript', svg: 'img', table: 'table', tbody: 'rowgroup', td: 'cell',
  textarea: 'textbox', tfoot: 'rowgroup', th: 'columnheader', thead: 'rowgroup', time: 'time',
  tr: 'row', ul: 'list',
};

const INPUT_ROLES = {
  __proto__: null,
  button: 'button', checkbox: 'checkbox', email: 'textbox', image: 'button', number: 'spinbutton',
  password: 'textbox', radio: 'radio', range: 'slider', reset: 'button', search: 'searchbox',
  submit: 'button', tel: 'textbox', text: 'textbox', url: 'textbox',
};

// An input of these roles with a `list` of suggestions is a combobox.
const TEXT_INPUT_ROLES = { __proto__: null, textbox: true, searchbox: true };

// Roles whose own name comes from their content (ARIA "name from: contents", as browsers apply it).
const NAME_FROM_CONTENT = {
  __proto__: null,
  button: true, cell: true, checkbox: true, columnheader: true, gridcell: true, heading: true, link: true,
  menuitem: true, menuitemcheckbox: true, menuitemradio: true, option: true, radio: true, row: true,
  rowheader: true, switch: true, tab: true, tooltip: true, treeitem: true,
};

// Roles whose content still counts when they sit inside an element named from its content.
const CONTENT_INSIDE_NAME = {
  __proto__: null,
  '': true, caption: true, code: true, contentinfo: true, definition: true, deletion: true,
  emphasis: true, generic: true, insertion: true, list: true, listitem: true, mark: true, none: true,
  paragraph: true, presentation: true, region: true, row: true, rowgroup: true, section: true,
  strong: true, subscript: true, superscript: true, table: true, term: true, time: true,
};

const RANGE_ROLES = {
  __proto__: null,
  slider: true,
  spinbutton: true,
  scrollbar: true,
  progressbar: true,
  meter: true,
};

function explicitRole(el) {
  const list = tokens(lower(attr(el, 'role')));
  for (let i = 0; i < list.length; i += 1) {
    if (ARIA_ROLES[list[i]]) {
      return list[i] === 'image' ? 'img' : list[i];
    }
  }
  return '';
}

function inputType(el) {
  return lower(tryCall(B.inputType, el, EMPTY, ''));
}

function implicitRole(el) {
  const name = htmlName(el);
  if (name === 'input') {
    const type = inputType(el);
    const hasList = tryCall(B.hasAttribute, el, ['list'], false);
    if (hasList && type !== 'password' && TEXT_INPUT_ROLES[INPUT_ROLES[type]]) {
      return 'combobox';
    }
    return INPUT_ROLES[type] || '';
  }
  if (name === 'select') {
    const multiple = tryCall(B.selectMultiple, el, EMPTY, false);
    return multiple || tryCall(B.selectSize, el, EMPTY, 0) > 1 ? 'listbox' : 'combobox';
  }
  if (name === 'a' || name === 'area') {
    return tryCall(B.hasAttribute, el, ['href'], false) ? 'link' : '';
  }
  if (name === 'img') {
    return attr(el, 'alt') === '' ? 'presentation' : 'img';
  }
  if (name === 'section') {
    return attr(el, 'aria-label') || attr(el, 'aria-labelledby') ? 'region' : '';
  }
  if (name === '' && localName(el) === 'svg') {
    return 'img';
  }
  return IMPLICIT_ROLES[name] || '';
}

function roleOf(el) {
  return explicitRole(el) || implicitRole(el);
}
