// Starts Swagger UI on the document the service serves. It lives in a file of its own, not
// in the page, because the page's Content-Security-Policy runs no inline script.
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    // Relative to the page (/docs), so the reference also works behind a path prefix.
    url: "openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    // Swagger UI's default asks validator.swagger.io for a badge: no outside requests.
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
