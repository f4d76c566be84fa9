#!/usr/bin/env bash
. "${srcdir:-.}/tests/lib.sh"
skip_all "not written yet"
