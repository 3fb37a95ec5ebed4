db.createCollection("x")
