"""Message catalogs (gettext .po files) for the languages hmt-sim speaks; read by hmt_sim.i18n."""
