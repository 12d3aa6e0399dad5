"""GET /programs and GET /programs/{id} (HTTP only)."""

from drf_spectacular.utils import extend_schema

from core.dialects import DialectResponse
from partners.api_base import PROGRAM_ID, TEST_MODE, PartnerView

from .. import selectors
from . import serializers


class ProgramListView(PartnerView):
    """All programs associated with the authenticated partner."""

    @extend_schema(parameters=[TEST_MODE], responses=serializers.ProgramOut(many=True))
    def get(self, request):
        programs = selectors.programs_for(request.partner)
        return DialectResponse(serializers.ProgramOut(programs, many=True).data)


class ProgramDetailView(PartnerView):
    """One program of the partner. Errors: 100, 120."""

    @extend_schema(parameters=[TEST_MODE, PROGRAM_ID], responses=serializers.ProgramOut)
    def get(self, request, program_id):
        return DialectResponse(serializers.ProgramOut(self.program_or_error(program_id)).data)
