// Evaluated with frame.evaluate(source, {quiet_ms, timeout_ms, json}). Resolves once the
// document has loaded and the DOM has not changed for quiet_ms, or when timeout_ms runs out.
(opts) => {
  'use strict';

  const api = window.__consentCrawler__ || null;
  const instrumented = !!(api && api.builtins);
  // Captured timers and clock: a page that replaces setTimeout or performance.now cannot
  // stall or fool the wait.
  const B = instrumented
    ? api.builtins
    : {
        apply: Reflect.apply,
        setTimeout: window.setTimeout,
        Promise: window.Promise,
        performance: window.performance,
        performanceNow: Performance.prototype.now,
        docReadyState: Object.getOwnPropertyDescriptor(Document.prototype, 'readyState').get,
        MutationObserver: window.MutationObserver,
        observe: MutationObserver.prototype.observe,
        disconnect: MutationObserver.prototype.disconnect,
        mathRound: Math.round,
        mathMin: Math.min,
        mathMax: Math.max,
        docGetAnimations: Document.prototype.getAnimations,
        animationPlayState: Object.getOwnPropertyDescriptor(Animation.prototype, 'playState').get,
        animationEffect: Object.getOwnPropertyDescriptor(Animation.prototype, 'effect').get,
        effectComputedTiming: AnimationEffect.prototype.getComputedTiming,
      };

  function call(fn, self, args) {
    return B.apply(fn, self, args || []);
  }

  function nonNegative(value) {
    const n = +value;
    return n > 0 ? n : 0;
  }

  const quietMs = nonNegative(opts && opts.quiet_ms);
  const timeoutMs = nonNegative(opts && opts.timeout_ms);
  const pollMs = call(B.mathMax, undefined, [20, call(B.mathMin, undefined, [100, quietMs / 4])]);

  function now() {
    return call(B.performanceNow, B.performance);
  }

  const start = now();

  // Without init.js, an observer of our own (it cannot see inside shadow roots).
  let ownLastMutation = start;
  let ownObserver = null;
  if (!instrumented) {
    ownObserver = new B.MutationObserver(() => {
      ownLastMutation = now();
    });
    call(B.observe, ownObserver, [
      document,
      { subtree: true, childList: true, attributes: true, characterData: true },
    ]);
  }

  // Quiet is counted from the call at the earliest: a click's effect often lands a few
  // frames later, after a DOM that had been quiet for a long time before it.
  function quietSince() {
    const last = instrumented ? api.lastMutation() : ownLastMutation;
    return last > start ? last : start;
  }

  function loaded() {
    try {
      return call(B.docReadyState, document) === 'complete';
    } catch (e) {
      return false;
    }
  }

  // A banner that slides or fades in is still invisible to a snapshot taken mid-animation.
  // Endless animations (spinners, pulsing buttons) never finish and are not waited for.
  function animating() {
    try {
      const animations = call(B.docGetAnimations, document);
      for (let i = 0; i < animations.length; i += 1) {
        const state = call(B.animationPlayState, animations[i]);
        if (state !== 'running' && state !== 'pending') {
          continue;
        }
        const effect = call(B.animationEffect, animations[i]);
        const end = effect ? call(B.effectComputedTiming, effect).endTime : Infinity;
        if (end !== Infinity && end === end) {
          return true;
        }
      }
    } catch (e) {
      return false;
    }
    return false;
  }

  function finish(resolve, settled) {
    if (ownObserver && B.disconnect) {
      call(B.disconnect, ownObserver);
    }
    const ms = call(B.mathRound, undefined, [now() - start]);
    // Same escape hatch as snapshot.js: a string survives a page that broke Playwright's
    // serializer by replacing Array.prototype.push.
    if (opts && opts.json) {
      resolve('{"settled":' + (settled ? 'true' : 'false') + ',"ms":' + ms + '}');
    } else {
      resolve({ settled, ms });
    }
  }

  return new B.Promise((resolve) => {
    function poll() {
      const t = now();
      if (loaded() && t - quietSince() >= quietMs && !animating()) {
        finish(resolve, true);
      } else if (t - start >= timeoutMs) {
        finish(resolve, false);
      } else {
        call(B.setTimeout, window, [poll, pollMs]);
      }
    }
    poll();
  });
}
