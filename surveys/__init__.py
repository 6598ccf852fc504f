"""Anonymous surveys: built by staff, answered without an account, sealed, counted safely."""
