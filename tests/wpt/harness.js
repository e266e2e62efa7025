// Stands in for WPT's harness (testharness.js, ATTAcomm.js, aria-utils.js), installed as an init script:
// it checks nothing, it only records what each accname test file expects, in window.__accnameChecks:
// {element or selector, property: 'name' | 'description', expected, title}. Manual tests declare theirs
// before the body exists, so their elements are found by id afterwards. Our own code, not WPT's.
(() => {
  const checks = [];
  Object.defineProperty(window, '__accnameChecks', { value: checks });
  window.setup = () => {};
  // The manual tests: expectations per element id, for each platform API; ATK's are the plain strings.
  window.ATTAcomm = class {
    constructor(data) {
      for (const step of data.steps) {
        for (const check of (step.test && step.test.ATK) || []) {
          const [kind, property, operator, expected] = check;
          const known = property === 'name' || property === 'description';
          if (kind === 'property' && known && operator === 'is') {
            checks.push({ selector: '#' + step.element, property, expected, title: step.element });
          }
        }
      }
    }
  };
  // The automated tests: data-expectedlabel and data-testname on each element the selector matches.
  window.AriaUtils = {
    verifyLabelsBySelector(selector) {
      for (const element of document.querySelectorAll(selector)) {
        checks.push({
          element,
          property: 'name',
          expected: element.getAttribute('data-expectedlabel'),
          title: element.getAttribute('data-testname'),
        });
      }
    },
  };
})();
