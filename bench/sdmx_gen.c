/*
 * bench-sdmx-gen: write an SDMX-ML 2.1 StructureSpecificData message of N
 * observations to stdout, shaped like the NSDP files of Vietnam's General
 * Statistics Office (the IMF ECOFIN structure): series keyed by
 * DATA_DOMAIN, REF_AREA, INDICATOR, COUNTERPART_AREA and FREQ, with
 * BASE_PER and UNIT_MULT, 120 monthly observations each (TIME_PERIOD,
 * OBS_VALUE, and OBS_STATUS on some), a COMMENT on the data set.  A fixed
 * seed and integer arithmetic make the bytes the same on every run.
 *   bench-sdmx-gen [N] [SEED]   (default 1000000 1)
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t state;

static uint64_t rnd(void)
{
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * UINT64_C(2685821657736338717);
}

int main(int argc, char **argv)
{
    static const char *const domains[] = {"NAG", "CPI", "GFS", "BOP", "MFS"};
    static const char *const statuses[] = {"A", "P", "E"};
    uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
    state = argc > 2 ? strtoull(argv[2], NULL, 10) : 1;
    if (!state)
        state = 1;
    printf("<?xml version=\"1.0\" encoding=\"UTF-8\"?><message:StructureSpecificData "
           "xmlns:ss=\"http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/structurespecific\" "
           "xmlns:ns1=\"urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure=IMF:ECOFIN_DSD(1.0):"
           "ObsLevelDim:TIME_PERIOD\" "
           "xmlns:message=\"http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message\" "
           "xmlns:common=\"http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common\" "
           "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><message:Header>"
           "<message:ID>BENCH1</message:ID><message:Test>false</message:Test>"
           "<message:Prepared>2024-11-13T06:49:09Z</message:Prepared>"
           "<message:Sender id=\"ZZZ\"></message:Sender><message:Structure "
           "structureID=\"IMF_ECOFIN_DSD_1_0\" namespace=\"urn:sdmx:org.sdmx.infomodel."
           "datastructure.DataStructure=IMF:ECOFIN_DSD(1.0):ObsLevelDim:TIME_PERIOD\" "
           "dimensionAtObservation=\"TIME_PERIOD\"><common:Structure><Ref agencyID=\"IMF\" "
           "id=\"ECOFIN_DSD\" version=\"1.0\"></Ref></common:Structure></message:Structure>"
           "</message:Header><message:DataSet COMMENT=\"Published\" ss:dataScope=\"DataStructure\" "
           "xsi:type=\"ns1:DataSetType\" ss:structureRef=\"IMF_ECOFIN_DSD_1_0\">");
    uint64_t done = 0, series = 0;
    while (done < n) {
        const char *domain = domains[series % 5];
        int base = (int)(rnd() % 3);
        printf("<Series DATA_DOMAIN=\"%s\" REF_AREA=\"VN\" INDICATOR=\"IND_%06" PRIu64
               "_XDC\" COUNTERPART_AREA=\"_Z\" FREQ=\"M\"%s UNIT_MULT=\"%d\">",
               domain, series, base == 0 ? "" : base == 1 ? " BASE_PER=\"2010\"" : " BASE_PER=\"_Z\"",
               (int)(rnd() % 3) * 3);
        for (int k = 0; k < 120 && done < n; k++, done++) {
            uint64_t v = rnd();
            int year = 2014 + k / 12, month = k % 12 + 1;
            printf("<Obs TIME_PERIOD=\"%d-%02d\" OBS_VALUE=\"%" PRIu64 ".%06" PRIu64 "\"", year,
                   month, v % 1000000, (v >> 20) % 1000000);
            if (v % 7 == 0)
                printf(" OBS_STATUS=\"%s\"", statuses[(v >> 8) % 3]);
            printf("></Obs>");
        }
        printf("</Series>");
        series++;
    }
    printf("</message:DataSet></message:StructureSpecificData>");
    return ferror(stdout) ? 1 : 0;
}
