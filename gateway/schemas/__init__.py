"""The API's request and answer shapes, one module per area, so the OpenAPI document shows every answer."""
