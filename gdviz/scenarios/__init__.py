"""The one Scenario model, its URL form, and running a scenario on the engine."""
