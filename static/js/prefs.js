// Applied before first paint (loaded without defer): the saved theme and sidebar state, so the
// page never flashes light before going dark, nor opens the sidebar before collapsing it.
(function () {
  var root = document.documentElement;
  try {
    var saved = localStorage.getItem("datachat-theme");
    var dark = saved ? saved === "dark"
      : window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
    root.setAttribute("data-theme", dark ? "dark" : "light");
    if (localStorage.getItem("datachat-sidebar") === "collapsed") {
      root.setAttribute("data-sidebar", "collapsed");
    }
  } catch (e) {
    // Storage can be blocked (private mode, policies): the CSS media query still applies.
  }
})();
