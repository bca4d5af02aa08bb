// Starts Swagger UI (/docs) or ReDoc (/redoc) from the vendored bundles: an external file, so the pages
// need no inline script under the CSP.
/* global SwaggerUIBundle, Redoc */
(() => {
  const main = document.getElementById("docs");
  const spec = main.dataset.spec;
  if (typeof SwaggerUIBundle === "function") {
    SwaggerUIBundle({ url: spec, dom_id: "#docs", deepLinking: true, persistAuthorization: false });
  } else if (typeof Redoc === "object") {
    Redoc.init(spec, { hideLoading: true }, main);
  }
})();
