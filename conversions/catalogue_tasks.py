"""Celery tasks of the catalogue, calibrations and orders: load ids, call a service."""

from core.jobs import job_task

from . import catalogue_orders, catalogue_services

__all__ = ["estimate_calibration", "run_conversion_order", "start_conversions_of_original"]


@job_task("conversions.estimate_calibration", media=True)
def estimate_calibration(job_id):
    catalogue_services.run_calibration_estimate(job_id)


@job_task("conversions.run_conversion_order", media=True)
def run_conversion_order(job_id):
    catalogue_orders.run_order(job_id)


@job_task("conversions.start_conversions_of_original")
def start_conversions_of_original(job_id):
    catalogue_orders.start_conversions_of_original(job_id)
