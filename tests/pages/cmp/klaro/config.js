// Shared configuration of the Klaro fixture pages. The page sets window.analyticsOnByDefault before loading
// this file; everything else is the same on both pages.
window.klaroConfig = {
  version: 1,
  elementID: 'klaro',
  storageMethod: 'cookie',
  cookieName: 'klaro',
  groupByPurpose: true,
  default: false,
  mustConsent: false,
  acceptAll: true,
  hideDeclineAll: false,
  hideLearnMore: false,
  lang: 'en',
  translations: {
    zz: {privacyPolicyUrl: '/privacy'},
    en: {
      consentModal: {
        title: 'Services we would like to use',
        description: 'Here you can choose which services may collect information about you on this site.',
      },
      purposes: {
        functional: 'Functional',
        analytics: 'Analytics',
        livechat: 'Livechat',
        advertising: 'Advertising',
      },
      session: {description: 'Keeps you signed in and remembers your basket.'},
      matomo: {description: 'Collects visitor statistics.'},
      intercom: {description: 'Chat widget that also collects visitor statistics.'},
      adsense: {description: 'Shows personalised advertisements.'},
    },
  },
  services: [
    {name: 'session', title: 'Session cookie', purposes: ['functional'], required: true},
    {name: 'matomo', title: 'Matomo', purposes: ['analytics'], default: window.analyticsOnByDefault === true},
    {name: 'intercom', title: 'Intercom', purposes: ['livechat']},
    {name: 'adsense', title: 'Google AdSense', purposes: ['advertising']},
  ],
};
