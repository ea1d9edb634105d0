/*
 * The report workbook's description, the contract between the XLSX
 * writer's report layout (formats/xlsx/xlsx_report.c), which adds it as the
 * hidden sheet _conv_report, and the spreadsheet layer's report layout
 * (sheet_report.c), which reads the table's records back from the visible
 * cells with it.  Rules: docs/formats.md, "Reading a report back".
 *
 * The sheet is a table: a header row naming the columns below, then one
 * row per entry, its kind in the first column:
 *   version   at: the description's version (CONVP_REPORT_VERSION);
 *   sheet     sheet, region_code, region_name: one sheet of the report;
 *   column    sheet, at (the column's letters), role (value, change_pct or
 *             plan_value), period, heading (the visible heading, checked),
 *             status (a value column's: its values' unless said below);
 *   row       sheet, at (the row's STT, which finds it), indicator_code,
 *             indicator_name (empty when the table shows the code instead),
 *             parent_code, unit;
 *   status    sheet, at (STT), period, status (empty: none): the status of
 *             one value that is not its column's;
 *   computed  sheet, at (STT), period, computed (the number shown): a
 *             change the writer computed, not one of the records'.
 * Empty cells are absent values.  A reader takes columns by their header
 * names, so later versions may add columns.
 */
#ifndef CONV_SHEET_REPORT_H
#define CONV_SHEET_REPORT_H

#include "conv_private.h"

#define CONVP_REPORT_SHEET "_conv_report"
#define CONVP_REPORT_VERSION 1

/* The description's columns, in the order the writer puts them. */
enum convp_rd_col {
    CONVP_RD_KIND,
    CONVP_RD_SHEET,
    CONVP_RD_AT,
    CONVP_RD_ROLE,
    CONVP_RD_PERIOD,
    CONVP_RD_HEADING,
    CONVP_RD_STATUS,
    CONVP_RD_REGION_CODE,
    CONVP_RD_REGION_NAME,
    CONVP_RD_INDICATOR_CODE,
    CONVP_RD_INDICATOR_NAME,
    CONVP_RD_PARENT_CODE,
    CONVP_RD_UNIT,
    CONVP_RD_COMPUTED,
    CONVP_RD_COLS /* how many */
};

/* The kinds of entry (first column). */
enum convp_rd_kind {
    CONVP_RK_VERSION,
    CONVP_RK_SHEET,
    CONVP_RK_COLUMN,
    CONVP_RK_ROW,
    CONVP_RK_STATUS,
    CONVP_RK_COMPUTED,
    CONVP_RK_KINDS /* how many */
};

/* A column's header name ("kind", "indicator_code": the indicator
 * profile's field names where a column holds one). */
const char *convp_report_col_name(enum convp_rd_col c);
/* A kind's name ("row"). */
const char *convp_report_kind_name(enum convp_rd_kind k);

#endif /* CONV_SHEET_REPORT_H */
