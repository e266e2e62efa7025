// Shared configuration of the vanilla-cookieconsent fixture pages. The page sets window.analyticsOnByDefault
// before loading this file; everything else is the same on both pages.
window.cookieConsentConfig = {
  // The crawler's Chromium sets navigator.webdriver; by default the CMP then hides itself.
  hideFromBots: false,
  categories: {
    necessary: {enabled: true, readOnly: true},
    analytics: {enabled: window.analyticsOnByDefault === true},
    ads: {enabled: false},
  },
  language: {
    default: 'en',
    translations: {
      en: {
        consentModal: {
          title: 'We use cookies',
          description: 'We and our partners use cookies to measure traffic and show personalised ads.',
          acceptAllBtn: 'Accept all',
          acceptNecessaryBtn: 'Reject all',
          showPreferencesBtn: 'Manage preferences',
        },
        preferencesModal: {
          title: 'Cookie preferences',
          acceptAllBtn: 'Accept all',
          acceptNecessaryBtn: 'Reject all',
          savePreferencesBtn: 'Save preferences',
          closeIconLabel: 'Close',
          sections: [
            {
              title: 'Your privacy choices',
              description: 'Choose which cookies we may set on your device. You can change your mind at any time.',
            },
            {
              title: 'Strictly necessary cookies',
              description: 'These cookies keep the site working and cannot be switched off.',
              linkedCategory: 'necessary',
            },
            {
              title: 'Analytics cookies',
              description: 'Help us measure visits and improve the site.',
              linkedCategory: 'analytics',
            },
            {
              title: 'Advertising cookies',
              description: 'Let our partners show you personalised ads.',
              linkedCategory: 'ads',
            },
          ],
        },
      },
    },
  },
};
CookieConsent.run(window.cookieConsentConfig);
