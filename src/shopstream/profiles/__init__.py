"""The user-profile product: serving layout and the pure logic that derives profile fields."""
