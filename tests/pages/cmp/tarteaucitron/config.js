// Shared configuration of the tarteaucitron fixture pages. The page sets window.analyticsOnByDefault before
// loading this file; everything else is the same on both pages. useExternalJs/useExternalCss: the page loads
// the English texts and the stylesheet itself, and the three services are defined here (tarteaucitron's
// documented custom services) instead of loading its 270 kB catalogue of services.
tarteaucitron.init({
  privacyUrl: '/privacy',
  bodyPosition: 'bottom',
  hashtag: '#tarteaucitron',
  cookieName: 'tarteaucitron',
  orientation: 'middle',
  groupServices: false,
  showDetailsOnClick: true,
  serviceDefaultState: 'wait',
  showAlertSmall: false,
  showTitleBanner: false,
  cookieslist: false,
  cookieslistEmbed: false,
  showIcon: true,
  iconPosition: 'BottomRight',
  adblocker: false,
  DenyAllCta: true,
  AcceptAllCta: true,
  highPrivacy: true,
  alwaysNeedConsent: false,
  handleBrowserDNTRequest: false,
  removeCredit: false,
  moreInfoLink: true,
  useExternalCss: true,
  useExternalJs: true,
  mandatory: true,
  mandatoryCta: true,
  googleConsentMode: false,
  bingConsentMode: false,
  pianoConsentMode: false,
  softConsentMode: false,
  partnersList: false,
});

function service(key, type, name, extra) {
  tarteaucitron.services[key] = Object.assign({
    key: key,
    type: type,
    name: name,
    uri: '/privacy#' + key,
    needConsent: true,
    cookies: [],
    js: function () {},
    fallback: function () {},
  }, extra);
  (tarteaucitron.job = tarteaucitron.job || []).push(key);
}

service('matomo', 'analytic', 'Matomo', {
  cookies: ['_pk_id', '_pk_ses'],
  defaultState: window.analyticsOnByDefault === true ? true : undefined,
});
service('intercom', 'support', 'Intercom', {cookies: ['intercom-id']});
service('googleads', 'ads', 'Google Ads', {cookies: ['IDE']});
