// Shared configuration of the Orejime fixture pages. The page sets window.analyticsOnByDefault before loading
// this file; everything else is the same on both pages.
window.orejimeConfig = {
  privacyPolicyUrl: '/privacy',
  purposes: [
    {
      id: 'session',
      title: 'Session cookie',
      description: 'Keeps you signed in and remembers your basket.',
      cookies: ['session'],
      isMandatory: true,
    },
    {
      id: 'analytics',
      title: 'Matomo',
      description: 'Measures visits so that we can improve the site.',
      cookies: ['_pk_id', '_pk_ses'],
      default: window.analyticsOnByDefault === true,
    },
    {
      id: 'media',
      title: 'Embedded media',
      description: 'Videos and posts from other sites, which may track you.',
      purposes: [
        {id: 'youtube', title: 'YouTube', cookies: ['YSC']},
        {id: 'vimeo', title: 'Vimeo', cookies: ['vuid']},
      ],
    },
  ],
};
