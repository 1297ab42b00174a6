/* aiduty: starts the vendored Swagger UI (/docs) or ReDoc (/redoc) on the element that names the spec; an external
   file because the pages' Content-Security-Policy allows no inline script. Nothing is loaded from another host:
   Swagger UI's validator badge (validator.swagger.io) is off and ReDoc gets the system fonts (no web fonts). */
(function () {
  "use strict";
  var FONTS = 'system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif';
  var MONO = 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace';
  document.addEventListener("DOMContentLoaded", function () {
    var swagger = document.getElementById("swagger-ui");
    if (swagger && window.SwaggerUIBundle) {
      window.ui = window.SwaggerUIBundle({
        url: swagger.getAttribute("data-spec-url"),
        dom_id: "#swagger-ui",
        validatorUrl: null,
        deepLinking: true,
        displayOperationId: true,
        presets: [window.SwaggerUIBundle.presets.apis],
        layout: "BaseLayout",
        defaultModelsExpandDepth: 0,
        tryItOutEnabled: false
      });
    }
    var redoc = document.getElementById("redoc");
    if (redoc && window.Redoc) {
      window.Redoc.init(redoc.getAttribute("data-spec-url"), {
        theme: {typography: {fontFamily: FONTS, headings: {fontFamily: FONTS}, code: {fontFamily: MONO}}}
      }, redoc);
    }
  });
})();
