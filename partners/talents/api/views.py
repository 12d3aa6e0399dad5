"""GET /programs/{id}/talents and GET /talents/{id} (HTTP only)."""

from drf_spectacular.utils import extend_schema

from core.dialects import DialectResponse, ResponseMeta
from core.dialects.partners import TALENT_ID_NOT_NUMBER, TALENT_NOT_ASSOCIATED, partner_error
from partners.api_base import PROGRAM_ID, TALENT_ID, TEST_MODE, PartnerView, parse_id

from .. import selectors
from . import serializers


class ProgramTalentsView(PartnerView):
    """The talents of one of the partner's programs, with their demos. Errors: 100, 120."""

    @extend_schema(parameters=[TEST_MODE, PROGRAM_ID], responses=serializers.TalentOut(many=True))
    def get(self, request, program_id):
        talents = selectors.talents_of_program(self.program_or_error(program_id))
        return DialectResponse(serializers.TalentOut(talents, many=True, context={"request": request}).data)


class TalentDetailView(PartnerView):
    """One talent of the partner's programs. Errors: 102, 122."""

    @extend_schema(parameters=[TEST_MODE, TALENT_ID], responses=serializers.TalentOut)
    def get(self, request, talent_id):
        talent = selectors.talent_for(request.partner, parse_id(talent_id, TALENT_ID_NOT_NUMBER))
        if talent is None:
            raise partner_error(TALENT_NOT_ASSOCIATED)
        # The documentation gives this single talent a data_count of 1.
        return DialectResponse(
            serializers.TalentOut(talent, context={"request": request}).data, meta=ResponseMeta(count=1)
        )
