"""Routes of conversion orders (mounted at /api/)."""

from django.urls import path

from . import views

urlpatterns = [
    path("v2/orders", views.OrderCreateView.as_view(), name="order-create"),
    path("v2/orders/retry/<uuid:recording_id>", views.OrderRetryView.as_view(), name="order-retry"),
    path("v2/orders/<uuid:order_id>", views.OrderDetailView.as_view(), name="order-detail"),
]
