// /docs: start Swagger UI on the server's OpenAPI document (a file, not an inline
// script, so the page's CSP needs no 'unsafe-inline'). FastAPI's own settings, and no
// validator badge: it would ask validator.swagger.io about the spec.
"use strict";
(function () {
  const root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  });
})();
