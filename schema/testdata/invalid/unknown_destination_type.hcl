destination "snowflake" "wh" { # ERROR: Unknown destination type "snowflake"
  path = "x"
}
