"""File formats for the numbers: JSON, CSV wide/long, TRC, angle series and summaries."""
