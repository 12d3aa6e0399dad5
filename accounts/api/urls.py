from django.urls import path

from . import views

# Mounted at /api/v1/auth/
v1_urlpatterns = [
    path("register", views.RegisterView.as_view(), name="auth-register"),
    path("token", views.TokenView.as_view(), name="auth-token"),
    path("token/refresh", views.TokenRefreshView.as_view(), name="auth-token-refresh"),
    path("me", views.MeView.as_view(), name="auth-me"),
]

# Mounted at /api/ (the Respeecher gateway). POST /api/auth is the conversions app's: the profile
# shows the enabled calibration (conversions.catalogue.api.views.ProfileView).
gateway_urlpatterns = [
    path("login", views.LoginView.as_view(), name="gateway-login"),
    path("logout", views.LogoutView.as_view(), name="gateway-logout"),
    path("api-key", views.ApiKeyView.as_view(), name="gateway-api-key"),
    path("credits", views.CreditsView.as_view(), name="gateway-credits"),
]
