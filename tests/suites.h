/* tests/suites.h - declares every suite listed in suites.def. Each suite file
 * includes this so its factory has a prototype. */
#ifndef VAX_TESTS_SUITES_H
#define VAX_TESTS_SUITES_H

#include <check.h>

#define SUITE(name) Suite *name##_suite(void);
#include "tests/suites.def"
#undef SUITE

#endif
