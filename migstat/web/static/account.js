// The header's account part: the signed-in login, its unread notifications and the rounds
// board, from GET /me (never kept). Pages themselves are shared by accounts that see the same
// data, so they carry only the sign-in link this replaces.
(function () {
  "use strict";
  var box = document.getElementById("account");
  if (!box || !window.fetch) { return; }
  var lang = box.dataset.lang || document.documentElement.lang || "en";
  fetch("/me?lang=" + encodeURIComponent(lang), { credentials: "same-origin" })
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (me) {
      if (!me || !me.login) { return; }
      var parts = [];
      var who = document.createElement("a");
      who.className = "login"; who.id = "account-login"; who.href = me.signin; who.textContent = me.login;
      parts.push(who);
      me.links.forEach(function (link) {
        var a = document.createElement("a");
        a.id = "account-" + link.id; a.href = link.href; a.textContent = link.label;
        if (link.id === "notifications") {
          var badge = document.createElement("span");
          badge.className = "unread"; badge.id = "account-unread";
          badge.textContent = String(me.unread);
          badge.title = me.unread_label;
          a.setAttribute("aria-label", link.label + ": " + me.unread_label);
          a.appendChild(badge);
        }
        parts.push(a);
      });
      box.replaceChildren.apply(box, parts);
    })
    .catch(function () { /* the sign-in link stays */ });
})();
