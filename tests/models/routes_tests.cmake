# Routes and flags models and the plain-words side of the operator's changes (models/actions_routes.cmake).
cutover_add_test(tst_routesmodel ${CMAKE_CURRENT_LIST_DIR}/tst_routesmodel.cpp)
cutover_add_test(tst_flagsmodel ${CMAKE_CURRENT_LIST_DIR}/tst_flagsmodel.cpp)
