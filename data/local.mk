# data/: CDC's code tables, installed to $(pkgdatadir)/codes; see
# data/codes/SOURCE.md. (CDSi supporting data is listed in forecast/local.mk.)
codesdir = $(pkgdatadir)/codes
dist_codes_DATA = \
	data/codes/cvx.csv data/codes/mvx.csv data/codes/cvx_to_vaccine_group.csv \
	data/codes/cvx_mvx_product_names.csv data/codes/ndc_unit_of_sale.csv \
	data/codes/ndc_unit_of_use.csv data/codes/cvx_to_vis.csv data/codes/ndc_linker.csv \
	data/codes/SOURCE.md

# US counties by state (the residential county pick list); see data/counties/SOURCE.md
countiesdir = $(pkgdatadir)/counties
dist_counties_DATA = data/counties/counties.csv data/counties/SOURCE.md
