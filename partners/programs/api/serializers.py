"""Output of the program endpoints."""

from rest_framework import serializers

from core.serializers import Serializer


class ProgramOut(Serializer):
    program_id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    description = serializers.CharField()
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    created = serializers.DateTimeField()
    updated = serializers.DateTimeField()
