from django.shortcuts import render

from kikin.programs.models import Program


def home(request):
    return render(request, "kikin/home.html", {"programs": Program.objects.all()})
