"""Attribution: every panel download credited to an organisation, a country group and a developer type, and the weekly sums built from it."""
